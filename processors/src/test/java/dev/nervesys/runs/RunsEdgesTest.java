package dev.nervesys.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import dev.nervesys.live.LiveSettings;
import dev.nervesys.spi.HttpApi;
import dev.nervesys.spi.RequestTarget;
import dev.nervesys.testing.HandClock;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runs API at its edges (issue 19): malformed targets, unknown runs, runs from before a restart, handler failures. */
class RunsEdgesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> call(String method, String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static LiveSettings settings(int port) {
        return new LiveSettings("127.0.0.1", port, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
    }

    @Test
    void malformedEscapesAnswer400NamingTheProblemAndUnknownRunsExport404() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
            ClickHouseSchema.create(ch);
            Runs runs = new Runs(ch, Duration.ofMinutes(5));
            int port = freePort();
            LiveServer server = new LiveServer(new LiveHub(settings(port), runs, "test"), settings(port), new RunsApi(runs, new RunExport(ch)));
            server.start();
            try {
                String base = "http://127.0.0.1:" + port;
                runs.start("r 1", null);
                Map<String, String> bad = Map.of(
                        "/runs?x=%ZZ", "malformed percent-escape '%ZZ' in value of query parameter 'x': '%' must be followed by two hex digits",
                        "/runs/r%201/export?format=%ZZ",
                        "malformed percent-escape '%ZZ' in value of query parameter 'format': '%' must be followed by two hex digits",
                        "/runs/r%201/export?series=%E0%A4%A",
                        "malformed percent-escape '%A' in value of query parameter 'series': '%' must be followed by two hex digits",
                        "/runs/r%201/export?series=%E0%A4",
                        "value of query parameter 'series' is not valid UTF-8 once its percent-escapes are decoded",
                        "/runs/%ZZ/export", "malformed percent-escape '%ZZ' in path segment: '%' must be followed by two hex digits",
                        "/ui/%ZZ", "malformed percent-escape '%ZZ' in path segment: '%' must be followed by two hex digits",
                        "/runs?%G1=1", "malformed percent-escape '%G1' in query parameter name: '%' must be followed by two hex digits");
                for (Map.Entry<String, String> e : bad.entrySet()) {
                    String[] r = LiveFuzzTest.raw(port, e.getKey()); // the JDK client refuses to send such targets
                    assertThat(r[0]).as(e.getKey()).isEqualTo("HTTP/1.1 400 Bad Request");
                    assertThat(JSON.readTree(r[1]).path("error").asText()).as(e.getKey()).isEqualTo(e.getValue());
                }
                // well-formed escapes still decode: the run id with its space, + as a space in a query
                assertThat(call("GET", base + "/runs/r%201").statusCode()).isEqualTo(200);
                assertThat(call("GET", base + "/runs/r%201/export?format=c%73v&series=a+b").statusCode()).isEqualTo(200);
                // an export of a run nobody knows is a 404 like the run itself, not an empty 200
                HttpResponse<String> none = call("GET", base + "/runs/no-such-run/export?format=csv");
                assertThat(none.statusCode()).isEqualTo(404);
                assertThat(JSON.readTree(none.body()).path("error").asText()).isEqualTo("no run no-such-run");
                assertThat(call("GET", base + "/runs/no-such-run/export?format=json").statusCode()).isEqualTo(404);
                assertThat(call("GET", base + "/runs/no-such-run").statusCode()).isEqualTo(404);
                // the route table: unknown paths 404, known paths under another method 405 with Allow
                assertThat(call("GET", base + "/runs/a/b/c").statusCode()).isEqualTo(404);
                HttpResponse<String> put = call("PUT", base + "/runs/r%201/end");
                assertThat(put.statusCode()).isEqualTo(405);
                assertThat(put.headers().firstValue("allow")).hasValue("POST");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aHandlerThatFailsIsAnswered500WithoutItsDetails() throws Exception {
        int port = freePort();
        HttpApi failing = new HttpApi() {
            @Override
            public boolean accepts(String path) {
                return path.startsWith("/runs");
            }

            @Override
            public Answer handle(String method, RequestTarget target, byte[] body) {
                if (target.segments().size() > 1) {
                    throw new StackOverflowError("secret detail");
                }
                throw new IllegalStateException("secret detail");
            }
        };
        Runs runs = new Runs(null, Duration.ofMinutes(5));
        LiveServer server = new LiveServer(new LiveHub(settings(port), runs, "test"), settings(port), failing);
        server.start();
        try {
            for (String path : new String[] {"/runs", "/runs/x"}) {
                HttpResponse<String> r = call("GET", "http://127.0.0.1:" + port + path);
                assertThat(r.statusCode()).isEqualTo(500);
                assertThat(r.body()).isEqualTo("{\"error\":\"internal error, logged by the agent\"}").doesNotContain("secret");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void runsLiveAtARestartEndWithReasonRestartAndEveryListedRunAnswersOnItsUrl() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
            ClickHouseSchema.create(ch);
            HandClock clock = new HandClock(Instant.parse("2025-12-10T12:00:00.123Z"));
            // before the restart: agent a1 has a live run with metadata, an ended one, and a2 (another agent) a live one
            Runs before = new Runs(ch, Duration.ofMinutes(5), clock, "a1");
            before.start("bench", JSON.readTree("{\"name\":\"bench 1\",\"engine\":\"v8\",\"parameters\":{\"load\":0.5}}"));
            before.seen(Map.of("bench", Instant.parse("2025-12-10T12:00:01.456Z").toEpochMilli()));
            before.start("done", null);
            clock.advance(Duration.ofMillis(1_001));
            before.end("done", "api");
            before.tick();
            Runs a2 = new Runs(ch, Duration.ofMinutes(5), clock, "a2");
            a2.start("other", null);
            a2.tick();

            // the agent restarts: a new registry on the same ClickHouse, the same agent id
            clock.advance(Duration.ofMinutes(1));
            Runs after = new Runs(ch, Duration.ofMinutes(5), clock, "a1");
            int port = freePort();
            LiveServer server = new LiveServer(new LiveHub(settings(port), after, "test"), settings(port), new RunsApi(after, new RunExport(ch)));
            server.start();
            try {
                String base = "http://127.0.0.1:" + port;
                after.tick(); // start-up: the runs a1 left live end with reason restart
                JsonNode bench = JSON.readTree(call("GET", base + "/runs/bench").body());
                assertThat(bench.path("status").asText()).isEqualTo("ended");
                assertThat(bench.path("end_reason").asText()).isEqualTo("restart");
                assertThat(bench.path("name").asText()).isEqualTo("bench 1");
                assertThat(bench.path("started_at").asText()).isEqualTo("2025-12-10T12:00:00.123Z");
                assertThat(bench.path("last_seen").asText()).isEqualTo("2025-12-10T12:00:01.456Z");
                assertThat(bench.path("ended_at").asText()).isEqualTo("2025-12-10T12:01:01.124Z");
                // another agent's live run is left alone
                assertThat(JSON.readTree(call("GET", base + "/runs/other").body()).path("status").asText()).isEqualTo("live");
                after.tick();

                // every run the list shows answers on its own URL with the same fields, times to the millisecond
                JsonNode list = JSON.readTree(call("GET", base + "/runs").body());
                assertThat(list).hasSize(3);
                Runs fresh = new Runs(ch, Duration.ofMinutes(5), clock, "a3"); // knows nothing itself: ClickHouse only
                int port3 = freePort();
                LiveServer server3 = new LiveServer(new LiveHub(settings(port3), fresh, "test"), settings(port3), new RunsApi(fresh, new RunExport(ch)));
                server3.start();
                try {
                    JsonNode listed = JSON.readTree(call("GET", "http://127.0.0.1:" + port3 + "/runs").body());
                    assertThat(listed).isEqualTo(list);
                    for (JsonNode run : listed) {
                        String id = run.path("run_id").asText();
                        HttpResponse<String> one = call("GET", "http://127.0.0.1:" + port3 + "/runs/" + id);
                        assertThat(one.statusCode()).as(id).isEqualTo(200);
                        assertThat(JSON.readTree(one.body())).as(id).isEqualTo(run);
                        assertThat(run.path("started_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
                    }
                    assertThat(listed.findValuesAsText("started_at")).containsExactly("2025-12-10T12:00:01.124Z",
                            "2025-12-10T12:00:00.123Z", "2025-12-10T12:00:00.123Z");
                    // a run only ClickHouse knows as live (agent a2's) can be ended here, keeping its name and start
                    HttpResponse<String> end = call("POST", "http://127.0.0.1:" + port3 + "/runs/other/end");
                    assertThat(end.statusCode()).as(end.body()).isEqualTo(200);
                    assertThat(JSON.readTree(end.body()).path("status").asText()).isEqualTo("ended");
                    assertThat(JSON.readTree(end.body()).path("started_at").asText()).isEqualTo("2025-12-10T12:00:01.124Z");
                    // and POST end of the run ended at restart answers it (already ended)
                    assertThat(call("POST", base + "/runs/bench/end").statusCode()).isEqualTo(200);
                } finally {
                    server3.close();
                }

                // records for the run after the restart resume it, with its stored name and start
                after.seen(Map.of("bench", clock.millis() + 10));
                JsonNode resumed = JSON.readTree(call("GET", base + "/runs/bench").body());
                assertThat(resumed.path("status").asText()).isEqualTo("live");
                assertThat(resumed.path("name").asText()).isEqualTo("bench 1");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void recordsOfARunKnownOnlyToClickHouseDoNotOverwriteItsMetadata() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
            ClickHouseSchema.create(ch);
            HandClock clock = new HandClock(Instant.parse("2025-12-10T12:00:00.500Z"));
            Runs first = new Runs(ch, Duration.ofMinutes(5), clock, "a1");
            first.start("r", JSON.readTree("{\"name\":\"named\"}"));
            first.end("r", "api");
            first.tick();
            clock.advance(Duration.ofHours(1));
            Runs second = new Runs(ch, Duration.ofMinutes(5), clock, "a1");
            second.tick();
            second.seen(Map.of("r", clock.millis())); // records arrive after the restart
            second.tick();
            Runs reader = new Runs(ch, Duration.ofMinutes(5), clock, "a9");
            JsonNode r = reader.get("r");
            assertThat(r.path("name").asText()).isEqualTo("named");
            assertThat(r.path("started_at").asText()).isEqualTo("2025-12-10T12:00:00.500Z");
            assertThat(r.path("status").asText()).isEqualTo("live");
        }
    }

    @Test
    void anUnreachableClickHouseIs502NotA404() throws Exception {
        int closed = freePort();
        ClickHouseClient ch = new ClickHouseClient("http://127.0.0.1:" + closed, "nervesys", null, null, Duration.ofSeconds(5));
        Runs runs = new Runs(ch, Duration.ofMinutes(5));
        int port = freePort();
        LiveServer server = new LiveServer(new LiveHub(settings(port), runs, "test"), settings(port), new RunsApi(runs, new RunExport(ch)));
        server.start();
        try {
            String base = "http://127.0.0.1:" + port;
            // whether a run exists cannot be told: not "no run"
            HttpResponse<String> one = call("GET", base + "/runs/r");
            assertThat(one.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(one.body()).path("error").asText()).startsWith("ClickHouse unreachable: ");
            assertThat(call("GET", base + "/runs/r/export").statusCode()).isEqualTo(502);
            // the list shows this agent's runs
            runs.seen(Map.of("mine", 1_765_368_000_000L));
            HttpResponse<String> list = call("GET", base + "/runs");
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(list.body()).get(0).path("run_id").asText()).isEqualTo("mine");
        } finally {
            server.close();
        }
    }
}
