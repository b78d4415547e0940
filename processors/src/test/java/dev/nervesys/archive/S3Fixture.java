package dev.nervesys.archive;

import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.DataPathHarness;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3Proxy inside the test JVM, AWS signature v4 required, over a transient blob store that outlives
 * stop/start (so a test can take "S3" down and bring it back), plus an independent AWS SDK client
 * to read archives back.
 */
public final class S3Fixture implements AutoCloseable {

    public static final String ACCESS = "test-access-key";
    public static final String SECRET = "test-secret-key";
    public static final String BUCKET = "fleet-archive";
    private static final Pattern KEY = Pattern.compile(".*/(\\d{4}-\\d{2}-\\d{2})/(\\d{2}-\\d{2})(?:-(\\d+))?\\.json\\.(gz|zst)");

    private final BlobStoreContext blobs;
    private final int port;
    private S3Proxy proxy;
    public final S3Client client;

    public S3Fixture() throws Exception {
        Properties p = new Properties();
        blobs = ContextBuilder.newBuilder("transient").credentials("x", "y").overrides(p).build(BlobStoreContext.class);
        BlobStore store = blobs.getBlobStore();
        store.createContainerInLocation(null, BUCKET);
        port = DataPathHarness.freePort();
        start();
        client = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public void start() throws Exception {
        proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create(endpoint()))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS, SECRET).build();
        proxy.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
    }

    public void stop() throws Exception {
        proxy.stop();
        await().atMost(Duration.ofSeconds(30)).until(() -> "STOPPED".equals(proxy.getState()));
    }

    /** The keys under a prefix in archive order: by minute, then by suffix (none, -1, -2, ...). */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents()) {
            keys.add(o.key());
        }
        return sorted(keys);
    }

    /** Archive keys in archive order: by minute, then by suffix (none, -1, -2, ...). */
    public static List<String> sorted(List<String> keys) {
        List<String> out = new ArrayList<>(keys);
        out.sort(Comparator.comparing((String k) -> part(k, 1) + "/" + part(k, 2)).thenComparingInt(k -> {
            String n = part(k, 3);
            return n == null ? 0 : Integer.parseInt(n);
        }));
        return out;
    }

    static String part(String key, int group) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            throw new AssertionError("archive key does not follow <prefix>/<server>/<yyyy-MM-dd>/<HH-mm>[-<n>].json.gz: " + key);
        }
        return m.group(group);
    }

    public byte[] get(String key) {
        return client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    /** The NDJSON lines of the archives under a prefix, in order, through the AWS SDK. */
    public List<String> records(String prefix) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String k : keys(prefix)) {
            lines.addAll(lines(gunzip(get(k))));
        }
        return lines;
    }

    public static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    public static List<String> lines(byte[] ndjson) {
        String s = new String(ndjson, StandardCharsets.UTF_8);
        if (s.isEmpty()) {
            return List.of();
        }
        if (!s.endsWith("\n")) {
            throw new AssertionError("archive does not end with a newline");
        }
        return List.of(s.substring(0, s.length() - 1).split("\n", -1));
    }

    @Override
    public void close() throws Exception {
        client.close();
        if ("STARTED".equals(proxy.getState())) {
            proxy.stop();
        }
        blobs.close();
    }

}
