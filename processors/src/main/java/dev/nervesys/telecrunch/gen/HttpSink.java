package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * POSTs each block as one batch (NDJSON or line protocol) with the shared JDK HttpClient, which
 * keeps connections alive. A 503 or 429 is retried after its Retry-After (at most 5 times), so the
 * generator can load an ingest that applies back-pressure; other failures are counted.
 */
public final class HttpSink implements RecordSink {

    private static final int RETRIES = 5;

    private final HttpClient client;
    private final URI uri;
    private final OutputFormat format;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
    private final RecordWriter writer;
    private final GeneratorStats stats;
    private String lastError;

    public HttpSink(HttpClient client, URI uri, Schema schema, OutputFormat format, GeneratorStats stats) {
        this.client = client;
        this.uri = uri;
        this.format = format;
        this.writer = format.open(schema, buf);
        this.stats = stats;
    }

    public static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public long accept(RecordBlock block) throws IOException {
        buf.reset();
        writer.write(block);
        writer.flush();
        byte[] body = buf.toByteArray();
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", format.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> resp;
            try {
                resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending to " + uri, e);
            }
            int code = resp.statusCode();
            if (code / 100 == 2) {
                return body.length;
            }
            if ((code == 503 || code == 429) && attempt < RETRIES) {
                long seconds = resp.headers().firstValueAsLong("Retry-After").orElse(1);
                LockSupport.parkNanos(Duration.ofSeconds(Math.max(1, Math.min(seconds, 30))).toNanos());
                continue;
            }
            lastError = uri + " answered " + code + ": " + truncate(resp.body());
            if (stats != null) {
                stats.failed();
            }
            return 0;
        }
    }

    /** The last failed response, or null. */
    public String lastError() {
        return lastError;
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() {
        // the client is shared and outlives the sink
    }
}
