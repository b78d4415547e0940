package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.drive.Drive;
import com.google.api.services.drive.model.File;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both ways of logging in to Drive, through the real Google client and auth libraries against the
 * local Drive v3 server: an OAuth refresh token, and a service account key whose RS256 grant the
 * server checks against the account's public key (with domain-wide delegation).
 */
class DriveCredentialsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private FakeDrive drive;

    @BeforeEach
    void start() throws Exception {
        drive = new FakeDrive();
    }

    @AfterEach
    void stop() {
        drive.close();
    }

    private ReportSettings.Drive settings() {
        return new ReportSettings.Drive(drive.rootUrl(), drive.tokenUrl(), "root", "Nervesys", "https://www.googleapis.com/auth/drive",
                "nervesys-test", 5 << 20, 8 << 20, null, null, null, null);
    }

    @Test
    void aRefreshTokenGetsAnAccessTokenOnFirstUse() throws Exception {
        Drive client = new ReportsDriveClientFactory(settings())
                .makeClient("client-1", "client-secret", List.of("https://www.googleapis.com/auth/drive"), "app", "rt-secret", null);
        File folder = client.files().create(new File().setName("f").setMimeType(DriveDelivery.FOLDER_MIME)).execute();
        assertThat(drive.files).containsKey(folder.getId());
        assertThat(drive.tokenRequests.get()).isEqualTo(1);

        Drive wrong = new ReportsDriveClientFactory(settings())
                .makeClient("client-1", "client-secret", List.of("https://www.googleapis.com/auth/drive"), "app", "rt-wrong", null);
        assertThatThrownBy(() -> wrong.files().list().execute()).hasMessageContaining("invalid_grant");
    }

    @Test
    void aServiceAccountKeySignsItsGrantAndMayActForAUser() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair pair = gen.generateKeyPair();
        drive.serviceAccountKey = pair.getPublic();
        Map<String, String> key = new LinkedHashMap<>();
        key.put("type", "service_account");
        key.put("project_id", "nervesys-test");
        key.put("private_key_id", "k1");
        key.put("private_key", "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        key.put("client_email", "reports@nervesys-test.iam.gserviceaccount.com");
        key.put("client_id", "1234");
        key.put("token_uri", drive.tokenUrl());
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            Drive client = new ReportsDriveClientFactory(settings()).makeClient(ctx, JSON.writeValueAsString(key),
                    List.of("https://www.googleapis.com/auth/drive"), "app", "ops@example.com");
            File folder = client.files().create(new File().setName("sa").setMimeType(DriveDelivery.FOLDER_MIME)).execute();
            assertThat(drive.files).containsKey(folder.getId());
            assertThat(drive.lastGrantClaims.path("iss").asText()).isEqualTo("reports@nervesys-test.iam.gserviceaccount.com");
            assertThat(drive.lastGrantClaims.path("sub").asText()).isEqualTo("ops@example.com");
            assertThat(drive.lastGrantClaims.path("scope").asText()).isEqualTo("https://www.googleapis.com/auth/drive");
            // the audience Google checks, whatever token_uri the key names (the grant itself went to token_uri)
            assertThat(drive.lastGrantClaims.path("aud").asText()).isEqualTo("https://oauth2.googleapis.com/token");

            // a key the Drive does not know: refused, and the error never quotes the key
            drive.serviceAccountKey = gen.generateKeyPair().getPublic();
            Drive other = new ReportsDriveClientFactory(settings()).makeClient(ctx, JSON.writeValueAsString(key),
                    List.of("https://www.googleapis.com/auth/drive"), "app", null);
            assertThatThrownBy(() -> other.files().list().execute()).hasMessageContaining("invalid_grant");
            assertThatThrownBy(() -> new ReportsDriveClientFactory(settings()).makeClient(ctx, "{\"type\":\"service_account\"}",
                    List.of("https://www.googleapis.com/auth/drive"), "app", null))
                    .hasMessage("NERVESYS_DRIVE_SERVICE_ACCOUNT_KEY is not a service account key: IOException");
        }
    }
}
