package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The data path as an operator sees it through the management server: nervesys_* metrics at
 * /observe/metrics move with what the real ingest and archive routes do, and the archive target
 * has its readiness check.
 */
class DataPathObservabilityTest extends OneAgentTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void ingestBufferAndArchiveFiguresAreExportedAndTheArchiveTargetIsChecked() throws Exception {
        int ingestPort = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/archive.camel.yaml");
        repo.write("config/application.properties", String.join("\n",
                "nervesys.ingest.port=" + ingestPort, "nervesys.ingest.host=127.0.0.1",
                "nervesys.ingest.tokens=t1", "nervesys.archive.maxBytes=1KB", "nervesys.archive.interval=1s",
                "nervesys.archive.checkEveryMs=100", ""));
        repo.commit("data path");
        int port = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-metrics", tmp.resolve("data"), repo.uri(), port), Map.of());

        StringBuilder ok = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            ok.append("{\"timestamp\":\"2025-12-10T12:00:0").append(i % 10).append("Z\",\"level\":\"INFO\",\"message\":\"m")
                    .append(i).append("\"}\n");
        }
        assertThat(post(ingestPort, "/ingest", "t1", ok.toString())).isEqualTo(204);
        assertThat(post(ingestPort, "/write?db=d", "t1", "cpu v=1\ncpu\ncpu v=2\n")).isEqualTo(400);
        assertThat(post(ingestPort, "/ingest", "wrong", ok.toString())).isEqualTo(403);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String m = TestAgents.get(port, "/observe/metrics", null, null).body();
            assertThat(value(m, "nervesys_ingest_records_total", "endpoint=\"ingest\",result=\"accepted\"")).isEqualTo(40);
            assertThat(value(m, "nervesys_ingest_records_total", "endpoint=\"write\",result=\"accepted\"")).isEqualTo(2);
            assertThat(value(m, "nervesys_ingest_records_total", "endpoint=\"write\",result=\"rejected_line\"")).isEqualTo(1);
            assertThat(value(m, "nervesys_ingest_requests_total", "endpoint=\"ingest\",status=\"403\"")).isEqualTo(1);
            assertThat(value(m, "nervesys_ingest_requests_total", "endpoint=\"write\",status=\"400\"")).isEqualTo(1);
            assertThat(value(m, "nervesys_buffer_appended_records_total", null)).isEqualTo(42);
            assertThat(value(m, "nervesys_buffer_max_bytes", null)).isEqualTo(100L << 20);
            assertThat(value(m, "nervesys_buffer_disk_bytes", null)).isPositive();
            // all 42 records archived to the local folder (1 KB or 1 s, whichever comes first)
            assertThat(value(m, "nervesys_archive_records_total", null)).isEqualTo(42);
            assertThat(value(m, "nervesys_archive_uploads_total", null)).isPositive();
            assertThat(value(m, "nervesys_archive_bytes_total", "stage=\"ndjson\""))
                    .isGreaterThan(value(m, "nervesys_archive_bytes_total", "stage=\"compressed\"")).isPositive();
            assertThat(value(m, "nervesys_archive_last_upload_timestamp_seconds", null)).isPositive();
            assertThat(value(m, "nervesys_buffer_records", null)).isZero();
            assertThat(value(m, "nervesys_buffer_pending_records", "consumer=\"archive\"")).isZero();
        });
        HttpResponse<String> ready = TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null);
        assertThat(ready.body()).contains("{\"name\":\"nervesys-archive\",\"status\":\"UP\"")
                .contains(tmp.resolve("data").resolve("archive").toString().replace("/", "\\/"));
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    private static int post(int port, String path, String token, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Token " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The value of one Prometheus sample; labels: the ones that must appear (in order), or null. */
    private static long value(String exposition, String name, String labels) {
        Pattern p = Pattern.compile("(?m)^" + name + "(?:\\{([^}]*)\\})? ([0-9.eE+-]+)$");
        Matcher m = p.matcher(exposition);
        while (m.find()) {
            if (labels == null || (m.group(1) != null && m.group(1).contains(labels))) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(name + "{" + labels + "} not in /observe/metrics");
    }
}
