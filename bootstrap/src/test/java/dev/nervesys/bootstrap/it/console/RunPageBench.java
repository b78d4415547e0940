package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;

/**
 * The run page in headless Chromium for a run of {@code series x frames} points (docs/console.md,
 * "Measured"): the points are inserted straight into ClickHouse (run {@code big}, one ClickHouse and
 * one PostgreSQL database of the bench's own, dropped at the end), an agent with the runs capability
 * and the web console serves the page, a viewer logs in, then each round reloads {@code #/run/big}
 * and reads the browser's Performance API: first contentful paint, the points arrived (mark
 * {@code nervesys-run-data}), the charts drawn by uPlot ({@code nervesys-run-drawn}) and shown (the
 * frame after, {@code nervesys-run-shown}), all from the navigation's start. Reference in the same
 * round: the same {@code /api/runs/big/points} fetched by a Java HTTP client (the data alone, no
 * browser). A benchmark, not a test.
 * Run: {@code java -cp $CP dev.nervesys.bootstrap.it.console.RunPageBench <series> <frames> <rounds>}.
 */
public final class RunPageBench {

    private RunPageBench() {
    }

    public static void main(String[] args) throws Exception {
        int seriesCount = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 250_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        HttpClient http = HttpClient.newHttpClient();
        try (PgDatabase pg = new PgDatabase("run_page_bench_"); ClickHouseTestDb ch = new ClickHouseTestDb()) {
            ClickHouseSchema.create(new ClickHouseClient(ClickHouseTestDb.URL, ch.name, null, null, Duration.ofSeconds(120)));
            StringBuilder names = new StringBuilder();
            long t0 = System.nanoTime();
            for (int i = 0; i < seriesCount; i++) {
                ch.query("INSERT INTO {db}.series SELECT 'big', 'engine.s" + i + "', number, toDateTime('2026-01-05 12:00:00', 'UTC'),"
                        + " 0, sin(number / 1000.0) * 100 + " + i + ", number FROM system.numbers LIMIT " + frames);
                names.append(i == 0 ? "" : ",").append("engine.s").append(i);
            }
            ch.query("INSERT INTO {db}.runs (run_id, name, engine, parameters, status, started_at, ended_at, end_reason, version)"
                    + " VALUES ('big', 'bench 1M points', 'v8', '{}', 'ended', toDateTime('2026-01-05 12:00:00', 'UTC'),"
                    + " toDateTime('2026-01-05 12:41:40', 'UTC'), 'api', 1)");
            System.out.printf("filled %d points in %d ms%n", (long) seriesCount * frames, (System.nanoTime() - t0) / 1_000_000);
            run(http, pg, ch.name, names.toString(), rounds);
        }
    }

    private static void run(HttpClient http, PgDatabase pg, String chDb, String names, int rounds) throws Exception {
        Path tmp = Files.createTempDirectory("run-page-bench");
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "clickhouse", "runs", "live", "webconsole"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\nnervesys.clickhouse.url=" + ClickHouseTestDb.URL
                + "\nnervesys.clickhouse.database=" + chDb + "\n");
        repo.commit("console and runs on");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("bench-run-page", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.live.port", String.valueOf(TestAgents.freePort()));
        flags.setProperty("nervesys.live.host", "127.0.0.1");
        flags.setProperty("nervesys.postgres.url", pg.url());
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4);
        String base = "http://127.0.0.1:" + port;
        try (Agent agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", PgDatabase.USER));
             Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
                    HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            chrome.open(base + "/");
            waitFor(chrome, "login");
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "fleet", Duration.ofSeconds(120));
            HttpResponse<String> loginAnswer = http.send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"vera\",\"password\":\"viewer-pw\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String session = loginAnswer.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            chrome.script("location.hash = '#/run/big'");
            waitFor(chrome, "run", Duration.ofSeconds(120));
            for (int r = 1; r <= rounds; r++) {
                long a = System.nanoTime();
                HttpResponse<byte[]> api = http.send(HttpRequest.newBuilder(URI.create(base + "/api/runs/big/points?series=" + names + "&max=1500"))
                        .header("Cookie", session).build(), HttpResponse.BodyHandlers.ofByteArray());
                double ref = (System.nanoTime() - a) / 1e6;
                if (api.statusCode() != 200) {
                    throw new IllegalStateException("/api/runs/big/points " + api.statusCode() + ": " + new String(api.body()));
                }
                chrome.script("document.body.dataset.loaded = 'false'; location.reload()");
                waitFor(chrome, "run", Duration.ofSeconds(120));
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> chrome.script(
                        "return performance.getEntriesByName('nervesys-run-shown').length").asInt() > 0);
                JsonNode m = chrome.script("""
                        const at = (n) => { const e = performance.getEntriesByName(n); return e.length ? e[e.length - 1].startTime : -1; };
                        return { fcp: at('first-contentful-paint'), data: at('nervesys-run-data'), drawn: at('nervesys-run-drawn'),
                                 shown: at('nervesys-run-shown'), charts: document.querySelectorAll('#run-charts figure.run-chart').length,
                                 points: (window.nervesysRunCharts || []).reduce((n, u) => n + u.data[0].length, 0) };
                        """);
                System.out.printf("round %d: reference (GET points in Java, %d KB) %.0f ms; browser: first contentful paint %.0f ms, "
                                + "points arrived %.0f ms, charts drawn %.0f ms, shown %.0f ms (%d charts, %d points drawn), ratio shown / reference %.2f%n",
                        r, api.body().length / 1024, ref, m.path("fcp").asDouble(), m.path("data").asDouble(), m.path("drawn").asDouble(),
                        m.path("shown").asDouble(), m.path("charts").asInt(), m.path("points").asInt(), m.path("shown").asDouble() / ref);
            }
            String errs = errors(chrome);
            if (!errs.isEmpty()) {
                System.out.println("JavaScript errors: " + errs);
            }
        }
    }
}
