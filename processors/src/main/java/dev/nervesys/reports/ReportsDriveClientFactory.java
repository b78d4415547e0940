package dev.nervesys.reports;

import com.google.api.client.googleapis.media.MediaHttpUploader;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.drive.Drive;
import com.google.api.services.drive.DriveRequest;
import com.google.api.services.drive.DriveRequestInitializer;
import com.google.auth.Credentials;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;
import org.apache.camel.CamelContext;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.google.drive.GoogleDriveClientFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Builds the real Google Drive v3 client for camel-google-drive, pointed at a configurable root
 * URL and token URL (Google's by default; the tests' local Drive server otherwise). Uploads up to
 * {@code multipartMaxBytes} go in one multipart request, larger ones as resumable uploads in
 * chunks of {@code chunkBytes}. Credentials come from google-auth-library ({@code UserCredentials},
 * {@code ServiceAccountCredentials}), whose adapter also refreshes the token when Drive answers 401;
 * the google-api-client's {@code GoogleCredential} it replaces is deprecated.
 */
public final class ReportsDriveClientFactory implements GoogleDriveClientFactory {

    private static final JsonFactory JSON = GsonFactory.getDefaultInstance();

    private final ReportSettings.Drive drive;
    private final HttpTransport transport = new NetHttpTransport();

    public ReportsDriveClientFactory(ReportSettings.Drive drive) {
        this.drive = drive;
    }

    /** OAuth client id, secret and refresh token. */
    @Override
    public Drive makeClient(String clientId, String clientSecret, Collection<String> scopes, String applicationName,
                            String refreshToken, String accessToken) {
        UserCredentials.Builder credential = UserCredentials.newBuilder()
                .setClientId(clientId).setClientSecret(clientSecret).setRefreshToken(refreshToken)
                .setTokenServerUri(URI.create(drive.tokenUrl())).setHttpTransportFactory(() -> transport);
        if (accessToken != null && !accessToken.isBlank()) {
            credential.setAccessToken(new AccessToken(accessToken, null));
        }
        return build(credential.build(), applicationName);
    }

    /** A service account key: the key JSON itself (its token_uri is where tokens are fetched). */
    @Override
    public Drive makeClient(CamelContext context, String serviceAccountKey, Collection<String> scopes,
                            String applicationName, String delegate) {
        try {
            GoogleCredentials credential = ServiceAccountCredentials.fromStream(
                    new ByteArrayInputStream(serviceAccountKey.getBytes(StandardCharsets.UTF_8)), () -> transport)
                    .createScoped(scopes);
            if (delegate != null && !delegate.isBlank()) {
                credential = credential.createDelegated(delegate);
            }
            return build(credential, applicationName);
        } catch (IOException e) {
            // never the key's content in the message
            throw new RuntimeCamelException("NERVESYS_DRIVE_SERVICE_ACCOUNT_KEY is not a service account key: "
                    + e.getClass().getSimpleName());
        }
    }

    private Drive build(Credentials credential, String applicationName) {
        HttpCredentialsAdapter auth = new HttpCredentialsAdapter(credential);
        HttpRequestInitializer init = request -> {
            auth.initialize(request);
            request.setConnectTimeout(15_000);
            request.setReadTimeout(120_000);
        };
        long chunk = Math.max(MediaHttpUploader.MINIMUM_CHUNK_SIZE,
                drive.chunkBytes() / MediaHttpUploader.MINIMUM_CHUNK_SIZE * MediaHttpUploader.MINIMUM_CHUNK_SIZE);
        return new Drive.Builder(transport, JSON, init)
                .setRootUrl(drive.rootUrl().endsWith("/") ? drive.rootUrl() : drive.rootUrl() + "/")
                .setApplicationName(applicationName == null ? drive.applicationName() : applicationName)
                .setGoogleClientRequestInitializer(new DriveRequestInitializer() {
                    @Override
                    protected void initializeDriveRequest(DriveRequest<?> request) throws IOException {
                        MediaHttpUploader up = request.getMediaHttpUploader();
                        if (up != null) {
                            long length = up.getMediaContent().getLength();
                            up.setDirectUploadEnabled(length >= 0 && length <= drive.multipartMaxBytes());
                            up.setChunkSize((int) Math.min(Integer.MAX_VALUE - MediaHttpUploader.MINIMUM_CHUNK_SIZE, chunk));
                        }
                    }
                })
                .build();
    }
}
