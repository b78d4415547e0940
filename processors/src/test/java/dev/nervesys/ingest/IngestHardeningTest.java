package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest port's input limits over real HTTP (docs/security.md, "Input hardening"): an oversized
 * request line gets 414, oversized headers 431, a client that sends its body a byte at a time (or
 * nothing) 408 after the body timeout, connections over the cap are closed at accept; meanwhile a
 * well-behaved client is served.
 */
class IngestHardeningTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static int write(int port, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/write?db=d"))
                .POST(HttpRequest.BodyPublishers.ofString("m v=1\n"));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void oversizedLinesAndHeadersSlowAndSilentClientsAndTooManyConnectionsAreRefused() throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.ingest.bodyTimeout", "1s").set("nervesys.ingest.maxUrlBytes", "1KB")
                .set("nervesys.ingest.maxHeaderBytes", "2KB").set("nervesys.ingest.maxConnections", 6);
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml")) {
            assertThat(write(port)).isEqualTo(204);
            HttpResponse<String> longLine = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/write?db=d&x="
                    + "a".repeat(2000))).POST(HttpRequest.BodyPublishers.ofString("m v=1\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(longLine.statusCode()).isEqualTo(414);
            assertThat(longLine.body()).contains("request line (URL) too long");
            assertThat(write(port, "X-Big", "b".repeat(4000))).isEqualTo(431);

            try (Socket slow = new Socket("127.0.0.1", port); Socket silent = new Socket("127.0.0.1", port)) {
                slow.setSoTimeout(5000);
                silent.setSoTimeout(5000);
                OutputStream out = slow.getOutputStream();
                out.write(("POST /write?db=d HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                long t0 = System.nanoTime();
                InputStream in = slow.getInputStream();
                String answer = null;
                for (int i = 0; i < 200 && answer == null; i++) {
                    try {
                        out.write('x');
                        out.flush();
                    } catch (java.io.IOException closed) {
                        break;
                    }
                    if (i % 3 == 0) {
                        assertThat(write(port)).as("a well-behaved client meanwhile").isEqualTo(204);
                    }
                    Thread.sleep(100);
                    if (in.available() > 0) {
                        answer = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
                    }
                }
                if (answer == null) {
                    answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                }
                assertThat(answer).startsWith("HTTP/1.1 408");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(800L, 4000L);
                assertThat(new String(silent.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 408");
            }
            IngestPortGuard server = (IngestPortGuard) agent.beans.get("ingestPortGuard");
            assertThat(server.counters().timedOut.get()).isGreaterThanOrEqualTo(2);
            assertThat(server.counters().tooLarge.get()).isEqualTo(2);

            // connections over the cap are closed at accept
            java.util.List<Socket> held = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    held.add(new Socket("127.0.0.1", port));
                }
                Thread.sleep(200);
                try (Socket over = new Socket("127.0.0.1", port)) {
                    over.setSoTimeout(3000);
                    assertThat(over.getInputStream().read()).isEqualTo(-1);
                }
                assertThat(server.counters().refusedConnections.get()).isPositive();
            } finally {
                for (Socket h : held) {
                    h.close();
                }
            }
            Thread.sleep(300);
            assertThat(write(port)).isEqualTo(204);
        }
    }
}
