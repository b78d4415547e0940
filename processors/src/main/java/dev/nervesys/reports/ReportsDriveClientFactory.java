package dev.nervesys.reports;

import com.google.api.client.googleapis.auth.oauth2.GoogleCredential;
import com.google.api.client.googleapis.media.MediaHttpUploader;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.drive.Drive;
import com.google.api.services.drive.DriveRequest;
import com.google.api.services.drive.DriveRequestInitializer;
import org.apache.camel.CamelContext;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.google.drive.GoogleDriveClientFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Builds the real Google Drive v3 client for camel-google-drive, pointed at a configurable root
 * URL and token URL (Google's by default; the tests' local Drive server otherwise). Uploads up to
 * {@code multipartMaxBytes} go in one multipart request, larger ones as resumable uploads in
 * chunks of {@code chunkBytes}.
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
        GoogleCredential credential = new GoogleCredential.Builder().setTransport(transport).setJsonFactory(JSON)
                .setClientSecrets(clientId, clientSecret).setTokenServerEncodedUrl(drive.tokenUrl()).build();
        credential.setRefreshToken(refreshToken);
        if (accessToken != null && !accessToken.isBlank()) {
            credential.setAccessToken(accessToken);
        }
        return build(credential, applicationName);
    }

    /** A service account key: the key JSON itself (its token_uri is where tokens are fetched). */
    @Override
    public Drive makeClient(CamelContext context, String serviceAccountKey, Collection<String> scopes,
                            String applicationName, String delegate) {
        try {
            GoogleCredential credential = GoogleCredential.fromStream(
                    new ByteArrayInputStream(serviceAccountKey.getBytes(StandardCharsets.UTF_8)), transport, JSON)
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

    private Drive build(GoogleCredential credential, String applicationName) {
        HttpRequestInitializer init = request -> {
            credential.initialize(request);
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
