package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.runs.RunCatalogQueries;
import dev.nervesys.runs.Runs;
import dev.nervesys.testing.HandClock;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runs pages' JSON API through the real route (routes/webconsole.camel.yaml on a real port), with
 * runs in the real ClickHouse 18.16 (a database of its own, the run rows written by the registry) read
 * through the runs capability's catalog, and presets in a real PostgreSQL database of its own: the
 * list, a run's series, points down-sampled on the server and aligned across runs, the export of a
 * selection, presets per user, roles, and bad input (unknown run 404, bad frame range 400).
 */
class ConsoleRunsApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PG = ConsoleApiTest.PG;
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    @TempDir
    static Path dir;
    static final String DB = "cons_runs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static final HandClock CLOCK = new HandClock(T0);
    static ClickHouseTestDb ch;
    static DefaultCamelContext context;
    static Map<String, Object> beans;
    static String base;

    @BeforeAll
    static void boot() throws Exception {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DB);
        }
        ch = new ClickHouseTestDb();
        ClickHouseClient client = new ClickHouseClient(ClickHouseTestDb.URL, ch.name, null, null, Duration.ofSeconds(30));
        ClickHouseSchema.create(client);
        // r1: 10,000 frames of three series; r2: 8,000 frames of two, rpm 100 higher
        series("r1", "engine.rpm", 10_000, "1000 + number");
        series("r1", "engine.temp", 10_000, "80 + number * 0.01");
        series("r1", "gear", 10_000, "number % 5");
        series("r2", "engine.rpm", 8_000, "1100 + number");
        series("r2", "engine.temp", 8_000, "81 + number * 0.01");
        Runs runs = new Runs(client, Duration.ofMinutes(5), CLOCK, "console-runs-test");
        runs.start("r1", JSON.readTree("{\"name\":\"bench A\",\"engine\":\"v8\",\"parameters\":{\"load\":0.5}}"));
        runs.end("r1", "api");
        CLOCK.advance(Duration.ofMinutes(10));
        runs.start("r2", JSON.readTree("{\"name\":\"bench B\",\"engine\":\"v8\"}"));
        runs.tick(); // the run rows, as route runs-tick writes them

        int port = DataPathHarness.freePort();
        TestSettings settings = new TestSettings(dir).clock(CLOCK)
                .set("nervesys.postgres.url", PG + DB)
                .set("nervesys.webconsole.port", port)
                .set("nervesys.live.port", 18087)
                .env("NERVESYS_POSTGRES_USER", "postgres")
                .env("NERVESYS_WEBCONSOLE_USERS", "vera:viewer:" + PasswordHashes.hash("pw-viewer".toCharArray(), 4)
                        + ",otto:operator:" + PasswordHashes.hash("pw-operator".toCharArray(), 4)
                        + ",ada:admin:" + PasswordHashes.hash("pw-admin".toCharArray(), 4));
        beans = new ConsoleBeans().beans(settings, Map.of("runs", runs, "runCatalog", new RunCatalogQueries(runs, client)));
        context = new DefaultCamelContext();
        beans.forEach(context.getRegistry()::bind);
        Properties p = new Properties();
        p.putAll(settings.properties());
        context.getPropertiesComponent().setInitialProperties(TestSettings.routeProperties(p));
        List<Resource> routes = new ArrayList<>();
        for (String f : List.of("errors.camel.yaml", "webconsole.camel.yaml")) {
            Path file = DataPathHarness.routesDir().resolve(f);
            routes.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(routes);
        context.start();
        base = "http://127.0.0.1:" + port;
    }

    static void series(String run, String name, int frames, String value) throws Exception {
        ch.query("INSERT INTO {db}.series SELECT '" + run + "', '" + name + "', number, toDateTime('2025-12-10 12:00:00', 'UTC'),"
                + " toUInt32(number % 1000) * 1000000, " + value + ", number FROM system.numbers LIMIT " + frames);
    }

    @AfterAll
    static void stop() throws Exception {
        if (context != null) {
            context.stop();
        }
        if (beans != null) {
            DataPathHarness.closeInReverse(new ArrayList<>(beans.values()));
        }
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
        if (ch != null) {
            ch.close();
        }
    }

    record Client(String cookie, String csrf) {
    }

    static HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Client as(String user, String password) throws Exception {
        HttpResponse<String> r = send("POST", "/api/login", JSON.createObjectNode().put("user", user).put("password", password).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new Client(r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0], JSON.readTree(r.body()).path("csrf").asText());
    }

    static HttpResponse<String> get(Client c, String path) throws Exception {
        return send("GET", path, null, "Cookie", c.cookie());
    }

    static HttpResponse<String> post(Client c, String path, String body) throws Exception {
        return send("POST", path, body, "Cookie", c.cookie(), "X-CSRF-Token", c.csrf());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String error(HttpResponse<String> r) throws Exception {
        return json(r).path("error").asText();
    }

    @Test
    void everyRunIsListedWithItsMetadataAndSeries() throws Exception {
        assertThat(send("GET", "/api/runs", null).statusCode()).isEqualTo(401);
        Client vera = as("vera", "pw-viewer");
        HttpResponse<String> r = get(vera, "/api/runs");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("connect-src 'self' ws://127.0.0.1:18087;");
        JsonNode list = json(r);
        assertThat(list.path("hasSeries").asBoolean()).isTrue();
        assertThat(list.path("liveUrl").asText()).isEqualTo("ws://127.0.0.1:18087/");
        JsonNode runs = list.path("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).path("run_id").asText()).isEqualTo("r2"); // newest first
        assertThat(runs.get(0).path("status").asText()).isEqualTo("live");
        assertThat(runs.get(1).path("name").asText()).isEqualTo("bench A");
        assertThat(runs.get(1).path("status").asText()).isEqualTo("ended");
        assertThat(runs.get(1).path("end_reason").asText()).isEqualTo("api");
        assertThat(runs.get(1).path("parameters").path("load").asDouble()).isEqualTo(0.5);
        assertThat(runs.get(1).path("started_at").asText()).isEqualTo("2026-01-05T10:00:00.000Z");

        JsonNode r1 = json(get(vera, "/api/runs/r1"));
        assertThat(r1.path("run").path("engine").asText()).isEqualTo("v8");
        assertThat(r1.path("series").findValuesAsText("name")).containsExactly("engine.rpm", "engine.temp", "gear");
        assertThat(r1.path("series").get(0).path("points").asLong()).isEqualTo(10_000);
        assertThat(r1.path("frames").path("first").asLong()).isZero();
        assertThat(r1.path("frames").path("last").asLong()).isEqualTo(9_999);
    }

    @Test
    void pointsAreExactOnANarrowRangeAndDownSampledOnAWideOneAlignedAcrossRuns() throws Exception {
        Client vera = as("vera", "pw-viewer");
        JsonNode narrow = json(get(vera, "/api/runs/r1/points?series=engine.rpm,gear&from=100&to=199"));
        assertThat(narrow.path("bucket").asLong()).isEqualTo(1);
        JsonNode rpm = narrow.path("series").path("engine.rpm");
        assertThat(rpm.path("f")).hasSize(100);
        assertThat(rpm.path("f").get(50).asLong()).isEqualTo(150);
        assertThat(rpm.path("v").get(50).asDouble()).isEqualTo(1150.0);
        assertThat(narrow.path("series").path("gear").path("v").get(52).asDouble()).isEqualTo(2.0);

        // the whole run (its extent by default), at most 1,000 points: buckets of 10 frames, mean, min and max of each
        JsonNode wide = json(get(vera, "/api/runs/r1/points?series=engine.rpm&max=1000"));
        assertThat(wide.path("from").asLong()).isZero();
        assertThat(wide.path("to").asLong()).isEqualTo(9_999);
        assertThat(wide.path("bucket").asLong()).isEqualTo(10);
        JsonNode w = wide.path("series").path("engine.rpm");
        assertThat(w.path("f")).hasSize(1000);
        assertThat(w.path("f").get(3).asLong()).isEqualTo(30);
        assertThat(w.path("v").get(3).asDouble()).isEqualTo(1034.5);
        assertThat(w.path("min").get(3).asDouble()).isEqualTo(1030.0);
        assertThat(w.path("max").get(3).asDouble()).isEqualTo(1039.0);

        // two runs read with the same range line up frame by frame (r2 ends at frame 7,999)
        JsonNode other = json(get(vera, "/api/runs/r2/points?series=engine.rpm&from=0&to=9999&max=1000"));
        JsonNode o = other.path("series").path("engine.rpm");
        assertThat(other.path("bucket").asLong()).isEqualTo(10);
        assertThat(o.path("f")).hasSize(800);
        assertThat(o.path("f").get(3).asLong()).isEqualTo(30);
        assertThat(o.path("v").get(3).asDouble() - w.path("v").get(3).asDouble()).isEqualTo(100.0);
        // a series the run does not have comes back empty
        assertThat(json(get(vera, "/api/runs/r2/points?series=gear&from=0&to=10")).path("series").path("gear").path("f")).isEmpty();
    }

    @Test
    void theExportOfASelectionIsTheRunsExportWithAFrameRange() throws Exception {
        Client vera = as("vera", "pw-viewer");
        HttpResponse<String> csv = get(vera, "/api/runs/r1/export?format=csv&series=engine.rpm,gear&from=10&to=12");
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Content-Disposition").orElseThrow()).isEqualTo("attachment; filename=\"r1_10-12.csv\"");
        assertThat(csv.body().split("\n")).containsExactly(
                "\"series\",\"frame\",\"time\",\"value\"",
                "\"engine.rpm\",10,\"2025-12-10T12:00:00.010000000Z\",1010",
                "\"engine.rpm\",11,\"2025-12-10T12:00:00.011000000Z\",1011",
                "\"engine.rpm\",12,\"2025-12-10T12:00:00.012000000Z\",1012",
                "\"gear\",10,\"2025-12-10T12:00:00.010000000Z\",0",
                "\"gear\",11,\"2025-12-10T12:00:00.011000000Z\",1",
                "\"gear\",12,\"2025-12-10T12:00:00.012000000Z\",2");
        HttpResponse<String> nd = get(vera, "/api/runs/r2/export?format=json&series=engine.*&from=7998");
        assertThat(nd.statusCode()).isEqualTo(200);
        String[] lines = nd.body().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(JSON.readTree(lines[0]).path("series").asText()).isEqualTo("engine.rpm");
        assertThat(JSON.readTree(lines[1]).path("frame").asLong()).isEqualTo(7999);
        assertThat(JSON.readTree(lines[1]).path("value").asDouble()).isEqualTo(9099.0);
        assertThat(get(vera, "/api/runs/r1/export?format=xml").statusCode()).isEqualTo(400);
    }

    @Test
    void unknownRunsAre404AndBadFrameRangesAndSeries400() throws Exception {
        Client vera = as("vera", "pw-viewer");
        for (String path : List.of("/api/runs/nope", "/api/runs/nope/points?series=engine.rpm", "/api/runs/nope/export?format=csv")) {
            HttpResponse<String> r = get(vera, path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(error(r)).isEqualTo("no run nope");
        }
        Map<String, String> bad = Map.of(
                "/api/runs/r1/points?series=engine.rpm&from=200&to=100", "bad frame range: from (200) is after to (100)",
                "/api/runs/r1/points?series=engine.rpm&from=-1", "bad frame range: from must be a frame index, a whole number >= 0, not '-1'",
                "/api/runs/r1/points?series=engine.rpm&to=x", "bad frame range: to must be a frame index, a whole number >= 0, not 'x'",
                "/api/runs/r1/points?series=engine.rpm&from=20000", "bad frame range: from (20000) is after to (9999), the run's frames are 0..9999",
                "/api/runs/r1/export?from=5&to=4", "bad frame range: from (5) is after to (4)",
                "/api/runs/r1/points?series=engine.rpm&max=0", "max must be a whole number 1..5000",
                "/api/runs/r1/points?series=engine.rpm&max=100000", "max must be a whole number 1..5000",
                "/api/runs/r1/points", "series must name 1..24 series, separated by commas",
                "/api/runs/r1/points?series=" + IntStream.range(0, 25).mapToObj(i -> "s" + i).collect(Collectors.joining(",")),
                "series must name 1..24 series, separated by commas");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            HttpResponse<String> r = get(vera, e.getKey());
            assertThat(r.statusCode()).as(e.getKey() + " " + r.body()).isEqualTo(400);
            assertThat(error(r)).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(get(vera, "/api/runs/r1/points?series=" + URLEncoder.encode("a\u0001b", StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(400);
        assertThat(get(vera, "/api/runs/r1/other").statusCode()).isEqualTo(404);
        assertThat(post(vera, "/api/runs", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void presetsAreEachUsersOwnAndNeedTheCsrfToken() throws Exception {
        Client vera = as("vera", "pw-viewer");
        Client otto = as("otto", "pw-operator");
        String body = "{\"name\":\"engine\",\"series\":[\"engine.rpm\",\"engine.temp\"]}";
        HttpResponse<String> noToken = send("POST", "/api/run-presets", body, "Cookie", vera.cookie());
        assertThat(noToken.statusCode()).isEqualTo(403);
        HttpResponse<String> saved = post(vera, "/api/run-presets", body);
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(post(vera, "/api/run-presets", "{\"name\":\"gears\",\"series\":[\"gear\"]}").statusCode()).isEqualTo(200);
        // saving a name again replaces it
        assertThat(post(vera, "/api/run-presets", "{\"name\":\"gears\",\"series\":[\"gear\",\"engine.rpm\"]}").statusCode()).isEqualTo(200);
        JsonNode mine = json(get(vera, "/api/run-presets")).path("presets");
        assertThat(mine.findValuesAsText("name")).containsExactly("engine", "gears");
        assertThat(mine.get(1).path("series").toString()).isEqualTo("[\"gear\",\"engine.rpm\"]");
        assertThat(mine.get(1).path("updated_at").asText()).isEqualTo(CLOCK.instant().toString());
        assertThat(json(get(otto, "/api/run-presets")).path("presets")).isEmpty();
        assertThat(post(otto, "/api/run-presets/delete", "{\"name\":\"engine\"}").statusCode()).isEqualTo(404);

        for (String b : List.of("not json", "{\"name\":\"x\"}", "{\"name\":\"\",\"series\":[\"a\"]}", "{\"name\":\"x\",\"series\":[]}",
                "{\"name\":\"x\",\"series\":[1]}", "{\"name\":\"" + "n".repeat(65) + "\",\"series\":[\"a\"]}")) {
            assertThat(post(vera, "/api/run-presets", b).statusCode()).as(b).isEqualTo(400);
        }
        assertThat(post(vera, "/api/run-presets/delete", "{\"name\":\"engine\"}").statusCode()).isEqualTo(200);
        assertThat(post(vera, "/api/run-presets/delete", "{\"name\":\"engine\"}").statusCode()).isEqualTo(404);
        assertThat(json(get(vera, "/api/run-presets")).path("presets").findValuesAsText("name")).containsExactly("gears");

        // audited like every change
        JsonNode audit = json(get(as("ada", "pw-admin"), "/api/audit?action=save%20run%20preset")).path("entries");
        assertThat(audit.findValuesAsText("username")).contains("vera");
        assertThat(audit.findValuesAsText("target")).contains("engine", "gears");
    }

    @Test
    void withoutClickHouseTheRegistryIsListedAndSeriesAre503AndWithoutTheRunsCapabilityEverythingIs503() throws Exception {
        Runs memory = new Runs(null, Duration.ofMinutes(5), CLOCK, "no-clickhouse");
        memory.start("m1", null);
        Sessions.Session s = new Sessions(Duration.ofHours(1), CLOCK).create("vera", Role.VIEWER);
        ConsoleRuns runs = new ConsoleRuns(new RunCatalogQueries(memory, null), null, null, CLOCK);
        JsonNode list = JSON.readTree(runs.route(request("/api/runs"), s).body);
        assertThat(list.path("hasSeries").asBoolean()).isFalse();
        assertThat(list.path("liveUrl").isNull()).isTrue();
        assertThat(list.path("runs").get(0).path("run_id").asText()).isEqualTo("m1");
        assertThat(JSON.readTree(runs.route(request("/api/runs/m1"), s).body).path("series")).isEmpty();
        assertThat(runs.connectSource()).isNull();
        for (String path : List.of("/api/runs/m1/points", "/api/runs/m1/export", "/api/run-presets")) {
            assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ApiError.class, () -> runs.route(request(path), s)).status)
                    .as(path).isEqualTo(503);
        }
        ConsoleRuns none = new ConsoleRuns(null, null, null, CLOCK);
        ApiError e = org.assertj.core.api.Assertions.catchThrowableOfType(ApiError.class, () -> none.route(request("/api/runs"), s));
        assertThat(e.status).isEqualTo(503);
        assertThat(e.getMessage()).isEqualTo("runs are read by the runs capability, which this process does not have");
    }

    private static ConsoleHttp.Request request(String path) {
        return new ConsoleHttp.Request("GET", path, Map.of(), null, null, null, "127.0.0.1", false, new byte[0], "127.0.0.1");
    }

    @Test
    void uplotIsServedFromItsWebJar() throws Exception {
        HttpResponse<String> js = send("GET", "/assets/uplot.min.js", null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.body()).contains("uPlot");
        assertThat(send("GET", "/assets/uplot.min.css", null).body()).contains(".uplot");
        assertThat(send("GET", "/assets/runs.js", null).statusCode()).isEqualTo(200);
    }
}
