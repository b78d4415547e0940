package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's runs pages in headless Chromium against a running agent (modules ingest, clickhouse,
 * runs, live and webconsole from its Git config repo), the real ClickHouse 18.16 and PostgreSQL:
 * runs written through the real ingest path and shipper, listed with their metadata; a finished run
 * opened, its cursor moved to a typed frame and its values read, zoomed by the frame form and by a
 * drag; a preset saved and applied; a second run overlaid on the same frames; the selection exported;
 * a live run followed over the live view's WebSocket while records arrive. No JavaScript error or CSP
 * violation on the way. The screenshots go to docs/console/ (shown in docs/console.md).
 */
class ConsoleRunsWebTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    private static final Path SHOTS = ConfigRepo.projectRoot().resolve("docs").resolve("console");

    @TempDir
    Path tmp;
    private Agent agent;
    private PgDatabase db;
    private final String chDb = "cons_runs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (db != null) {
            db.close();
        }
        ch("DROP DATABASE IF EXISTS " + chDb);
    }

    private static String ch(String sql) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(CH + "/")).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    private static HttpResponse<String> http(String method, String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Frames {@code from..from+n-1} of source engine: rpm = base + frame % 1000, temp = 80 + frame / 100. */
    static String records(String run, long from, int n, int base) {
        StringBuilder b = new StringBuilder();
        for (long f = from; f < from + n; f++) {
            b.append("{\"run_id\":\"").append(run).append("\",\"source\":\"engine\",\"type\":\"update\",\"frame\":").append(f)
                    .append(",\"time\":\"").append(Instant.parse("2026-01-05T12:00:00Z").plusMillis(f * 10)).append("\",\"fields\":{\"rpm\":")
                    .append(base + f % 1000).append(",\"temp\":").append(80 + f / 100.0).append("}}\n");
        }
        return b.toString();
    }

    @Test
    void findAFinishedRunZoomPresetOverlayExportAndFollowALiveOne() throws Exception {
        db = new PgDatabase("cons_runs_web_");
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : List.of("errors", "ingest", "clickhouse", "runs", "live", "webconsole")) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\nnervesys.clickhouse.url=" + CH
                + "\nnervesys.clickhouse.database=" + chDb + "\n");
        repo.commit("console and runs on");
        int port = TestAgents.freePort();
        int ingestPort = TestAgents.freePort();
        int livePort = TestAgents.freePort();
        Properties flags = TestAgents.flags("console-runs-agent", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.ingest.port", String.valueOf(ingestPort));
        flags.setProperty("nervesys.ingest.host", "127.0.0.1");
        flags.setProperty("nervesys.live.port", String.valueOf(livePort));
        flags.setProperty("nervesys.live.host", "127.0.0.1");
        flags.setProperty("nervesys.postgres.url", db.url());
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4);
        agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", PgDatabase.USER));
        String base = "http://127.0.0.1:" + port;
        String ingest = "http://127.0.0.1:" + ingestPort;
        String api = "http://127.0.0.1:" + livePort;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http("GET", base + "/", null).statusCode() == 200
                && http("GET", api + "/runs", null).statusCode() == 200);

        // two finished runs and a live one, through the runs API and the real ingest path
        assertThat(http("POST", api + "/runs/bench-a/start", "{\"name\":\"bench A\",\"engine\":\"v8\",\"parameters\":{\"load\":0.5}}")
                .statusCode()).isEqualTo(200);
        assertThat(http("POST", api + "/runs/bench-b/start", "{\"name\":\"bench B\",\"engine\":\"v8\",\"parameters\":{\"load\":0.7}}")
                .statusCode()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(http("POST", ingest + "/ingest", records("bench-a", i * 1000L, 1000, 1000)).statusCode()).isEqualTo(204);
            assertThat(http("POST", ingest + "/ingest", records("bench-b", i * 1000L, 1000, 1040)).statusCode()).isEqualTo(204);
        }
        assertThat(http("POST", api + "/runs/live-c/start", "{\"name\":\"soak\",\"engine\":\"v6\"}").statusCode()).isEqualTo(200);
        assertThat(http("POST", ingest + "/ingest", records("live-c", 0, 500, 2000)).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(60)).until(() -> ch("SELECT count() FROM " + chDb + ".series").equals("13000"));
        assertThat(http("POST", api + "/runs/bench-a/end", null).statusCode()).isEqualTo(200);
        assertThat(http("POST", api + "/runs/bench-b/end", null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> ch("SELECT count() FROM " + chDb + ".runs FINAL WHERE status = 'ended'").equals("2"));
        Files.createDirectories(SHOTS);

        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open(base + "/#/runs");
            waitFor(chrome, "login");
            chrome.script("document.querySelector('#login-user').value = 'vera'; document.querySelector('#login-password').value = 'viewer-pw';"
                    + "document.querySelector('#login-submit').click();");
            waitFor(chrome, "runs");
            // every run, live or finished, with its metadata
            assertThat(chrome.script("return [...document.querySelectorAll('#runs-table tbody tr')].map(r => r.dataset.run).sort().join()")
                    .asText()).isEqualTo("bench-a,bench-b,live-c");
            assertThat(text(chrome, "#runs-table tr[data-run=\"bench-a\"]")).contains("bench A", "v8", "ended", "\"load\":0.5");
            assertThat(text(chrome, "#runs-table tr[data-run=\"live-c\"]")).contains("soak", "live");
            Files.write(SHOTS.resolve("runs.png"), chrome.screenshot());
            // two runs picked in the list open as an overlay
            assertThat(chrome.script("return document.querySelector('#runs-overlay').disabled").asBoolean()).isTrue();
            chrome.script("for (const r of ['bench-a', 'bench-b']) { const i = document.querySelector('input.pick[data-run=\"' + r + '\"]');"
                    + " i.checked = true; i.dispatchEvent(new Event('change', {bubbles: true})); }"
                    + " document.querySelector('#runs-overlay').click();");
            waitFor(chrome, "run");
            assertThat(chrome.script("return location.hash").asText()).isEqualTo("#/run/bench-b?compare=bench-a");
            assertThat(chrome.script("return nervesysRunCharts[0].series.map(s => s.label).join()").asText()).isEqualTo("frame,bench-b,bench-a");

            // a finished run: its two series drawn over all 3,000 frames (one point per 2 frames: 1,500 at most)
            chrome.script("location.hash = '#/run/bench-a'");
            waitFor(chrome, "run");
            assertThat(chrome.script("return nervesysRunCharts.length").asInt()).isEqualTo(2);
            assertThat(chrome.script("return nervesysRunCharts[0].data[0].length").asInt()).isEqualTo(1500);
            assertThat(text(chrome, "#run-facts")).contains("ended", "v8", "0 … 2999");
            // the shared cursor: a typed frame shows every series' value there
            chrome.script("const c = document.querySelector('#run-cursor'); c.value = '1234'; c.dispatchEvent(new Event('change'));");
            assertThat(text(chrome, "#run-values-frame")).startsWith("at frame 1234 (means of frames 1234…1235)");
            assertThat(text(chrome, "#run-values tr[data-series=\"engine.rpm\"]")).isEqualTo("engine.rpm1234.5");
            // zoom by the frame form: every frame, exact values
            chrome.script("document.querySelector('#run-from').value = '1200'; document.querySelector('#run-to').value = '1299';"
                    + "document.querySelector('#run-zoom').click();");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts[0].data[0].length").asInt() == 100);
            assertThat(text(chrome, "#run-bucket")).isEqualTo("every frame");
            chrome.script("const c = document.querySelector('#run-cursor'); c.value = '1250'; c.dispatchEvent(new Event('change'));");
            assertThat(text(chrome, "#run-values tr[data-series=\"engine.rpm\"]")).isEqualTo("engine.rpm1250");
            assertThat(text(chrome, "#run-values tr[data-series=\"engine.temp\"]")).isEqualTo("engine.temp92.5");
            // zoom by dragging across a chart: a narrower range
            chrome.script("const u = nervesysRunCharts[1]; u.setSelect({left: u.valToPos(1210, 'x'), width: u.valToPos(1229, 'x') - u.valToPos(1210, 'x'),"
                    + " top: 0, height: 50});");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts[0].data[0].length").asInt() < 30);
            JsonNode xs = chrome.script("return nervesysRunCharts[0].data[0]");
            assertThat(xs.get(0).asLong()).isBetween(1209L, 1211L);
            // the selection's export: the runs export with this frame range and these series
            String href = chrome.script("return document.querySelector('#run-export-csv').getAttribute('href')").asText();
            assertThat(href).startsWith("/api/runs/bench-a/export?format=csv&series=engine.rpm%2Cengine.temp&from=");
            String csv = chrome.script("return fetch(document.querySelector('#run-export-csv').href).then(r => r.text())").asText();
            String[] lines = csv.split("\n");
            assertThat(lines[0]).isEqualTo("\"series\",\"frame\",\"time\",\"value\"");
            assertThat(lines.length - 1).isEqualTo(2 * xs.size());
            assertThat(lines[1]).startsWith("\"engine.rpm\"," + xs.get(0).asLong() + ",");

            // a preset of one series, saved for this user, applied again after a reload
            chrome.script("document.querySelector('#run-reset').click()");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts[0].data[0].length").asInt() == 1500);
            chrome.script("const i = document.querySelector('#run-series-list input[value=\"engine.temp\"]'); i.checked = false;"
                    + " i.dispatchEvent(new Event('change', {bubbles: true}));");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts.length").asInt() == 1);
            chrome.script("document.querySelector('#run-preset-name').value = 'rpm only'; document.querySelector('#run-preset-save').click();");
            await().atMost(Duration.ofSeconds(10)).until(() -> text(chrome, "#run-preset-msg").equals("saved rpm only"));
            chrome.script("location.reload()");
            waitFor(chrome, "run");
            assertThat(chrome.script("return nervesysRunCharts.length").asInt()).isEqualTo(2);
            chrome.script("const p = document.querySelector('#run-preset'); p.value = 'rpm only'; p.dispatchEvent(new Event('change'));");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts.length").asInt() == 1);
            chrome.script("const i = document.querySelector('#run-series-list input[value=\"engine.temp\"]'); i.checked = true;"
                    + " i.dispatchEvent(new Event('change', {bubbles: true}));");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts.length").asInt() == 2);
            chrome.script("const c = document.querySelector('#run-cursor'); c.value = '1500'; c.dispatchEvent(new Event('change'));");
            Files.write(SHOTS.resolve("run.png"), chrome.screenshot());

            // overlay: run B on the same frames, its difference at the cursor
            chrome.script("const s = document.querySelector('#run-compare'); s.value = 'bench-b'; s.dispatchEvent(new Event('change'));");
            waitFor(chrome, "run");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return nervesysRunCharts[0].series.length").asInt() == 3);
            assertThat(chrome.script("return location.hash").asText()).isEqualTo("#/run/bench-a?compare=bench-b");
            chrome.script("const c = document.querySelector('#run-cursor'); c.value = '1500'; c.dispatchEvent(new Event('change'));");
            assertThat(text(chrome, "#run-values tr[data-series=\"engine.rpm\"]")).isEqualTo("engine.rpm1500.51540.540");
            assertThat(chrome.script("return nervesysRunCharts[0].data[1].length === nervesysRunCharts[0].data[2].length").asBoolean()).isTrue();
            assertThat(chrome.script("return document.querySelector('#run-export-b').hidden").asBoolean()).isFalse();
            Files.write(SHOTS.resolve("run-overlay.png"), chrome.screenshot());

            // a live run keeps updating over the live view's WebSocket
            chrome.script("location.hash = '#/run/live-c'");
            waitFor(chrome, "run");
            await().atMost(Duration.ofSeconds(20)).until(() -> chrome.script("return nervesysRunLive.mode").asText().equals("websocket"));
            assertThat(text(chrome, "#run-live")).contains("following live-c over the live view's WebSocket");
            assertThat(http("POST", ingest + "/ingest", records("live-c", 500, 500, 2000)).statusCode()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).until(() -> chrome.script(
                    "const x = nervesysRunCharts[0].data[0]; return x[x.length - 1]").asLong() >= 990);
            assertThat(chrome.script("return nervesysRunLive.received").asLong()).isPositive();
            Files.write(SHOTS.resolve("run-live.png"), chrome.screenshot());

            // an unknown run: the page says so
            chrome.script("location.hash = '#/run/no-such-run'");
            waitFor(chrome, "run");
            assertThat(text(chrome, "#page-error")).isEqualTo("no run no-such-run");
            JsonNode errors = chrome.script("return window.nervesysErrors");
            assertThat(errors.isArray() && errors.isEmpty() ? "" : errors.toString()).isEmpty();
        }
    }

    private static String text(Chromium chrome, String selector) throws Exception {
        return chrome.script("const e = document.querySelector(" + JSON.writeValueAsString(selector) + "); return e ? e.textContent : ''")
                .asText();
    }
}
