package dev.nervesys.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import dev.nervesys.live.LiveSettings;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runs API served by the live server next to the UI, with the export from the real ClickHouse. */
class RunsHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> call(String method, String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void apiAndStreamedExportOnTheLivePort() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
            ClickHouseSchema.create(ch);
            // 300,000 points of two series: an export of several MB, far more than a chunk
            db.query("INSERT INTO {db}.series SELECT 'x1', if(number % 2 = 0, 'engine.rpm', 'engine.temp'), intDiv(number, 2),"
                    + " toDateTime('2025-12-10 12:00:00', 'UTC'), 0, number * 0.5, number FROM system.numbers LIMIT 300000");
            Runs runs = new Runs(ch, Duration.ofMinutes(5));
            int port = freePort();
            LiveSettings cfg = new LiveSettings("127.0.0.1", port, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
            LiveServer server = new LiveServer(new LiveHub(cfg, runs, "test"), cfg, new RunsApi(runs, new RunExport(ch)));
            server.start();
            try {
                String base = "http://127.0.0.1:" + port;
                HttpResponse<String> started = call("POST", base + "/runs/x1/start", "{\"name\":\"one\",\"engine\":\"v8\"}");
                assertThat(started.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(started.body()).path("name").asText()).isEqualTo("one");
                assertThat(call("GET", base + "/runs", null).statusCode()).isEqualTo(200);
                JsonNode list = JSON.readTree(call("GET", base + "/runs", null).body());
                assertThat(list.get(0).path("run_id").asText()).isEqualTo("x1");
                assertThat(call("GET", base + "/runs/nope", null).statusCode()).isEqualTo(404);
                assertThat(call("DELETE", base + "/runs/x1", null).statusCode()).isEqualTo(405);
                assertThat(call("POST", base + "/runs/x1/start", "{not json").statusCode()).isEqualTo(400);
                assertThat(call("GET", base + "/runs/x1/export?format=xml", null).statusCode()).isEqualTo(400);
                // the UI is still there
                assertThat(call("GET", base + "/", null).body()).contains("<html");

                HttpResponse<String> csv = call("GET", base + "/runs/x1/export?format=csv&series=engine.r*", null);
                assertThat(csv.statusCode()).isEqualTo(200);
                assertThat(csv.headers().firstValue("transfer-encoding")).hasValue("chunked");
                String[] lines = csv.body().split("\n");
                assertThat(lines).hasSize(150_001);
                assertThat(lines[0]).isEqualTo("\"series\",\"frame\",\"time\",\"value\"");
                assertThat(lines[1]).isEqualTo("\"engine.rpm\",0,\"2025-12-10T12:00:00.000000000Z\",0");
                assertThat(lines[150_000]).isEqualTo("\"engine.rpm\",149999,\"2025-12-10T12:00:00.000000000Z\",149999");

                // a client that reads a little and goes away: the server's worker gets free again
                for (int i = 0; i < 12; i++) {
                    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/runs/x1/export?format=json")).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    assertThat(r.statusCode()).isEqualTo(200);
                    try (InputStream in = r.body()) {
                        assertThat(in.readNBytes(1000)).hasSize(1000);
                    }
                    await().atMost(Duration.ofSeconds(30)).until(() -> server.activeApiRequests() == 0);
                }
                assertThat(call("POST", base + "/runs/x1/end", null).statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(call("GET", base + "/runs/x1", null).body()).path("status").asText()).isEqualTo("ended");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void withoutClickHouseTheRegistryAnswersAndExportIs503() throws Exception {
        Runs runs = new Runs(null, Duration.ofMinutes(5));
        int port = freePort();
        LiveSettings cfg = new LiveSettings("127.0.0.1", port, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
        LiveServer server = new LiveServer(new LiveHub(cfg, runs, "test"), cfg, new RunsApi(runs, null));
        server.start();
        try {
            String base = "http://127.0.0.1:" + port;
            HttpResponse<String> list = call("GET", base + "/runs", null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            assertThat(list.body()).isEqualTo("[]");
            assertThat(call("POST", base + "/runs/r/start", null).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(call("GET", base + "/runs", null).body()).get(0).path("run_id").asText()).isEqualTo("r");
            assertThat(call("GET", base + "/runs/r/export", null).statusCode()).isEqualTo(503);
        } finally {
            server.close();
        }
    }
}
