package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.PasswordHashes;
import dev.nervesys.webconsole.Totp;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The reports, performance and users pages in headless Chromium against a running agent that serves
 * the console over a real PostgreSQL heartbeat database, with its own heartbeat (real route
 * figures) and the reports module on: an operator runs the report of a day and downloads the PDF
 * and the workbook the reports capability rendered; the performance page shows seeded agents'
 * figures (differences of counters, slowest route first) and the serving agent's own routes; an
 * admin adds a user with a one-time code, who logs in with it, then changes her role and password
 * (her session ends); viewers and operators are refused the users API, viewers the report run; the
 * audit log has it all. Screenshots to docs/console/.
 */
class ConsolePagesWebTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOTS = ConfigRepo.projectRoot().resolve("docs").resolve("console");
    private static final String DAY = "2026-01-15";

    @TempDir
    Path tmp;
    private Agent agent;
    private PgDatabase db;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void reportsPerformanceAndUsersInABrowser() throws Exception {
        db = new PgDatabase("cons_pages_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.url());
        ds.setUser(PgDatabase.USER);
        Migrations.apply(ds, Dialect.POSTGRES);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        seed(ds, now);

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "webconsole", "heartbeat", "reports"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\nnervesys.modules.reports=true\n"
                + "nervesys.heartbeat.interval=2s\n");
        repo.commit("console, heartbeat and reports on");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("console-agent", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.webconsole.hashCost", "4");
        flags.setProperty("nervesys.postgres.url", db.url());
        flags.setProperty("nervesys.reports.localDir", tmp.resolve("reports").toString());
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4)
                + ",otto:operator:" + PasswordHashes.hash("operator-pw".toCharArray(), 4)
                + ",ada:admin:" + PasswordHashes.hash("admin-pw".toCharArray(), 4);
        agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", PgDatabase.USER));
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        // the serving agent's own beats carry its route figures
        await().atMost(Duration.ofSeconds(60)).until(() -> routeStatsOf(ds, "console-agent") != null);
        JsonNode own = JSON.readTree(routeStatsOf(ds, "console-agent"));
        assertThat(own.path("webconsole-http").path("n").asLong()).isPositive(); // the requests above
        assertThat(own.path("heartbeat-beat").isObject()).isTrue();
        assertThat(own.path("webconsole-http").fieldNames()).toIterable().containsExactlyInAnyOrder("n", "f", "mean", "max", "up");
        Files.createDirectories(SHOTS);

        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open(base + "/");
            waitFor(chrome, "login");

            // a viewer: the pages read, no run button, no users page; the APIs refuse the changes
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "fleet");
            assertThat(chrome.script("return document.querySelector('#nav-users').hidden").asBoolean()).isTrue();
            chrome.script("location.hash = '#/reports'");
            waitFor(chrome, "reports");
            assertThat(chrome.script("return document.querySelector('#reports-run').hidden").asBoolean()).isTrue();
            assertThat(chrome.script("return window.nervesysApi('/api/reports/run', {method: 'POST', body: '{\"day\":\"" + DAY + "\"}'})"
                    + ".then(r => r.status + ' ' + r.body.error)").asText()).isEqualTo("403 running reports needs the operator role");
            assertThat(chrome.script("return window.nervesysApi('/api/users').then(r => r.status)").asInt()).isEqualTo(403);

            // performance: the fleet's routes slowest first, per agent the differences of the counters
            chrome.script("location.hash = '#/performance'");
            waitFor(chrome, "performance");
            // the serving agent's own routes are among them, so compare the order, not the whole list
            assertThat(chrome.script("const rows = [...document.querySelectorAll('#perf-routes tbody tr')];"
                    + "const means = rows.map(r => Number(r.cells[6].textContent.replace(/,/g, '')));"
                    + "return means.every((m, i) => i === 0 || means[i - 1] >= m)").asBoolean()).isTrue();
            assertThat(chrome.script("const ids = [...document.querySelectorAll('#perf-routes tbody tr')].map(r => r.dataset.route);"
                    + "return ids.indexOf('archive-ship') < ids.indexOf('ingest-http') && ids.includes('webconsole-http')").asBoolean()).isTrue();
            assertThat(rowText(chrome, "#perf-routes tr[data-route=\"ingest-http\"]")).isEqualTo("ingest-http|2|6,600|182.4|3|0 %|5|60");
            assertThat(rowText(chrome, "#perf-routes tr[data-route=\"archive-ship\"]")).isEqualTo("archive-ship|1|50|1|1|2 %|920|3,000");
            assertThat(rowText(chrome, "#perf-agents tr[data-agent=\"web-01\"][data-route=\"ingest-http\"]"))
                    .isEqualTo("web-01|ingest-http|6,000|122.4|3|5.2|60|period start");
            assertThat(rowText(chrome, "#perf-agents tr[data-agent=\"web-02\"][data-route=\"ingest-http\"]"))
                    .isEqualTo("web-02|ingest-http|600|60|0|3|9|route start");
            assertThat(chrome.script("return document.querySelectorAll('#perf-agents tr[data-agent=\"console-agent\"][data-route=\"webconsole-http\"]').length")
                    .asInt()).isEqualTo(1);
            assertThat(chrome.script("return document.querySelector('#perf-msg').textContent").asText()).contains("web-03");
            Files.write(SHOTS.resolve("performance.png"), chrome.screenshot());
            assertThat(errors(chrome)).isEmpty();

            // an operator runs the report of a day: the reports capability renders PDF, workbook and CSV
            logout(chrome);
            login(chrome, "otto", "operator-pw");
            waitFor(chrome, "performance");
            chrome.script("location.hash = '#/reports'");
            waitFor(chrome, "reports");
            assertThat(chrome.script("return document.querySelector('#reports-run').hidden").asBoolean()).isFalse();
            assertThat(chrome.script("return window.nervesysApi('/api/users').then(r => r.status)").asInt()).isEqualTo(403);
            chrome.script("document.querySelector('#reports-day').value = '" + DAY + "'; document.querySelector('#reports-run-submit').click();");
            await().atMost(Duration.ofSeconds(120)).until(() -> chrome.script(
                    "return document.querySelector('#reports-msg').textContent").asText().startsWith("made "));
            assertThat(chrome.script("return document.querySelector('#reports-msg').textContent").asText())
                    .isEqualTo("made " + DAY + "_summary.pdf, " + DAY + "_metrics.xlsx, " + DAY + "_agents.csv");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return document.querySelectorAll('#reports-table tbody tr[data-file]').length").asInt() == 3);
            assertThat(rowText(chrome, "#reports-table tr[data-file=\"Daily/" + DAY + "_summary.pdf\"]")).contains("Daily|" + DAY + "_summary.pdf|",
                    "|local only");
            // downloads: the files the capability wrote, byte for byte
            assertThat(chrome.script("const a = document.querySelector('tr[data-file=\"Daily/" + DAY + "_summary.pdf\"] a');"
                    + "return fetch(a.href).then(r => r.arrayBuffer()).then(b => new TextDecoder().decode(new Uint8Array(b).slice(0, 5)))")
                    .asText()).isEqualTo("%PDF-");
            byte[] xlsx = Files.readAllBytes(tmp.resolve("reports/Daily/" + DAY + "_metrics.xlsx"));
            assertThat(chrome.script("const a = document.querySelector('tr[data-file=\"Daily/" + DAY + "_metrics.xlsx\"] a');"
                    + "return fetch(a.href).then(r => r.headers.get('content-disposition') + ' ' + r.headers.get('content-type') + ' '"
                    + " + r.headers.get('content-length'))").asText())
                    .isEqualTo("attachment; filename=\"" + DAY + "_metrics.xlsx\" application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
                            + xlsx.length);
            assertThat(Files.readString(tmp.resolve("reports/Daily/" + DAY + "_agents.csv"))).contains("web-01");
            assertThat(chrome.script("return fetch('/api/reports/file?folder=..&name=etc').then(r => r.status)").asInt()).isEqualTo(400);
            Files.write(SHOTS.resolve("reports.png"), chrome.screenshot());
            assertThat(errors(chrome)).isEmpty();

            // an admin adds a user who must give a one-time code
            logout(chrome);
            login(chrome, "ada", "admin-pw");
            waitFor(chrome, "reports");
            assertThat(chrome.script("return document.querySelector('#nav-users').hidden").asBoolean()).isFalse();
            chrome.script("location.hash = '#/users'");
            waitFor(chrome, "users");
            chrome.script("document.querySelector('#users-add-name').value = 'dora';"
                    + "document.querySelector('#users-add-role').value = 'operator';"
                    + "document.querySelector('#users-add-password').value = 'dora-password-1';"
                    + "document.querySelector('#users-add-totp').checked = true;"
                    + "document.querySelector('#users-add-submit').click();");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return document.querySelector('#users-msg').textContent").asText().equals("added dora (operator)"));
            String uri = chrome.script("return document.querySelector('#users-totp-uri').textContent").asText();
            assertThat(uri).startsWith("otpauth://totp/Nervesys:dora?secret=").endsWith("&issuer=Nervesys");
            await().atMost(Duration.ofSeconds(10)).until(() -> rowText(chrome, "#users-table tr[data-user=\"dora\"]").startsWith("dora|operator|required|database|"));
            assertThat(rowText(chrome, "#users-table tr[data-user=\"ada\"]")).isEqualTo("ada|admin|no|NERVESYS_WEBCONSOLE_USERS|");
            Files.write(SHOTS.resolve("users.png"), chrome.screenshot());
            // a user of the environment is not changed here
            assertThat(chrome.script("return window.nervesysApi('/api/users/ada', {method: 'POST', body: '{\"role\":\"viewer\"}'})"
                    + ".then(r => r.status + ' ' + r.body.error)").asText()).isEqualTo("409 user ada comes from NERVESYS_WEBCONSOLE_USERS: change it there");

            // dora logs in with password and code (a client of her own), then the admin changes her
            byte[] key = Totp.base32(URLDecoder.decode(uri.replaceAll(".*secret=([^&]+).*", "$1"), StandardCharsets.UTF_8));
            String noCode = loginApi(http, base, "dora", "dora-password-1", "");
            assertThat(noCode).startsWith("401 ");
            String code = Totp.code(key, Totp.step(Instant.now()), 6, "HmacSHA1");
            String dora = loginApi(http, base, "dora", "dora-password-1", code);
            assertThat(dora).startsWith("200 ");
            String doraCookie = dora.substring(4);
            assertThat(getApi(http, base, "/api/session", doraCookie)).contains("\"role\":\"operator\"");

            chrome.script("const s = document.querySelector('#users-change-name'); s.value = 'dora';"
                    + "document.querySelector('#users-change-role').value = 'viewer';"
                    + "document.querySelector('#users-change-password').value = 'dora-password-2';"
                    + "document.querySelector('#users-change-totp').value = 'false';"
                    + "document.querySelector('#users-change-submit').click();");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return document.querySelector('#users-msg').textContent").asText().equals("dora: role viewer, password reset, TOTP removed"));
            assertThat(getApi(http, base, "/api/session", doraCookie)).startsWith("401"); // her session ended
            assertThat(loginApi(http, base, "dora", "dora-password-1", "")).startsWith("401 ");
            String again = loginApi(http, base, "dora", "dora-password-2", "");
            assertThat(again).startsWith("200 ");
            assertThat(getApi(http, base, "/api/session", again.substring(4))).contains("\"role\":\"viewer\"");

            // the audit log: the run, the refusals, the user changes
            chrome.script("location.hash = '#/audit'");
            waitFor(chrome, "audit");
            String audit = chrome.script("return document.querySelector('#audit-table tbody').textContent").asText();
            assertThat(audit).contains("run report" + DAY + "ok", "vera" + "run report" + DAY + "refused", "add userdoraok",
                    "change userdoraokrole viewer, password reset, TOTP removed", "change useradarefused");
            assertThat(errors(chrome)).isEmpty();
        }
    }

    private static String routeStatsOf(PGSimpleDataSource ds, String agent) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT route_stats::text FROM agent_status WHERE agent_id = ? AND route_stats IS NOT NULL ORDER BY ts DESC LIMIT 1")) {
            p.setString(1, agent);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1).replace(" ", "") : null;
            }
        }
    }

    /** "status cookie" of a login through the API. */
    private static String loginApi(HttpClient http, String base, String user, String password, String code) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("user", user).put("password", password)
                        .put("code", code).toString())).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().firstValue("Set-Cookie").map(v -> v.split(";")[0]).orElse(r.body());
    }

    private static String getApi(HttpClient http, String base, String path, String cookie) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static String rowText(Chromium chrome, String selector) throws Exception {
        return chrome.script("const r = document.querySelector(" + JSON.writeValueAsString(selector) + ");"
                + "return r ? [...r.cells].map(c => c.textContent).join('|') : ''").asText();
    }

    private static void logout(Chromium chrome) throws Exception {
        chrome.script("document.querySelector('#logout').click()");
        waitFor(chrome, "login");
    }

    /**
     * web-01: two beats in the last hour whose counters grew (ingest-http 1000 -> 7000 exchanges in 49 min, archive-ship
     * 10 -> 60); web-02: one beat (its counters since the route started 10 min before); web-03: a beat without figures;
     * and a day of beats of web-01 on {@link #DAY} for the report.
     */
    private static void seed(PGSimpleDataSource ds, Instant now) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, interval_seconds, route_stats)"
                        + " VALUES (?, ?, ?, 'healthy', CAST(? AS jsonb), '[]', 'c0ffee', 60, CAST(? AS jsonb))")) {
            beat(p, "web-01", now.minusSeconds(50 * 60), "{\"ingest-http\":{\"n\":1000,\"f\":2,\"mean\":4,\"max\":40,\"up\":3000},"
                    + "\"archive-ship\":{\"n\":10,\"f\":0,\"mean\":800,\"max\":2500,\"up\":3000}}");
            beat(p, "web-01", now.minusSeconds(60), "{\"ingest-http\":{\"n\":7000,\"f\":5,\"mean\":5,\"max\":60,\"up\":5940},"
                    + "\"archive-ship\":{\"n\":60,\"f\":1,\"mean\":900,\"max\":3000,\"up\":5940}}");
            beat(p, "web-02", now.minusSeconds(120), "{\"ingest-http\":{\"n\":600,\"f\":0,\"mean\":3,\"max\":9,\"up\":600}}");
            beat(p, "web-03", now.minusSeconds(30), null);
            Instant day = Instant.parse(DAY + "T00:00:30Z");
            for (int m = 0; m < 24 * 60; m += 10) {
                beat(p, "web-01", day.plusSeconds(m * 60L), null);
            }
            p.executeBatch();
        }
    }

    private static void beat(PreparedStatement p, String agent, Instant ts, String routeStats) throws Exception {
        p.setString(1, agent);
        p.setString(2, "srv-" + agent);
        p.setTimestamp(3, Timestamp.from(ts));
        p.setString(4, "{\"cpu_percent\":20,\"ram_percent\":40,\"disk_percent\":50,\"buffer_percent\":1}");
        p.setString(5, routeStats);
        p.addBatch();
    }
}
