package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The web console in headless Chromium against a running agent (module webconsole switched on in
 * its Git config repo) and a real PostgreSQL database seeded with a fleet's heartbeats and alerts:
 * a viewer logs in and sees the fleet, filters and sorts it, cannot acknowledge (no button, and
 * the API refuses the direct call); an operator acknowledges; an admin reads the audit log; no
 * JavaScript error on the way. The screenshots go to docs/console/ (shown in docs/console.md).
 */
class ConsoleWebTest {

    private static final String PG = "jdbc:postgresql://" + System.getProperty("nervesys.test.pgHost", "127.0.0.1") + ":"
            + Integer.getInteger("nervesys.test.pgPort", 5432) + "/";
    private static final Path SHOTS = ConfigRepo.projectRoot().resolve("docs").resolve("console");

    @TempDir
    Path tmp;
    private Agent agent;
    private final String db = "cons_web_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }

    @Test
    void loginFleetAgentAlertsAndAuditInABrowser() throws Exception {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(PG + db);
        ds.setUser("postgres");
        Migrations.apply(ds, Dialect.POSTGRES);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        seed(ds, now);

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "webconsole"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\n");
        repo.commit("console on");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("console-agent", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.postgres.url", PG + db);
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4)
                + ",otto:operator:" + PasswordHashes.hash("operator-pw".toCharArray(), 4)
                + ",ada:admin:" + PasswordHashes.hash("admin-pw".toCharArray(), 4);
        agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", "postgres"));
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        Files.createDirectories(SHOTS);

        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open(base + "/");
            waitFor(chrome, "login");
            Files.write(SHOTS.resolve("login.png"), chrome.screenshot());

            // a wrong password is refused on the page
            login(chrome, "vera", "nope");
            await().atMost(Duration.ofSeconds(10)).until(() -> !chrome.script("return document.querySelector('#login-error').textContent").asText().isEmpty());
            assertThat(chrome.script("return document.querySelector('#login-error').textContent").asText())
                    .isEqualTo("wrong user name, password or one-time code");

            // the viewer sees the fleet: every seeded agent, the stale one marked, the behind one flagged
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "fleet");
            assertThat(chrome.script("return document.querySelectorAll('#fleet-table tbody tr').length").asInt()).isEqualTo(6);
            assertThat(chrome.script("return document.querySelector('tr[data-agent=\"web-05\"]').className").asText()).isEqualTo("stale");
            assertThat(chrome.script("return document.querySelector('tr[data-agent=\"web-05\"]').textContent").asText()).contains("STALE");
            assertThat(chrome.script("return document.querySelector('tr[data-agent=\"web-04\"]').textContent").asText()).contains("behind");
            assertThat(chrome.script("return document.querySelector('tr[data-agent=\"web-01\"]').textContent").asText()).contains("newest");
            assertThat(chrome.script("return document.querySelector('#fleet-summary').textContent").asText())
                    .contains("6agents", "1stale", "5 / 6on newest revision");
            Files.write(SHOTS.resolve("fleet.png"), chrome.screenshot());
            // filter and sort
            chrome.script("const s = document.querySelector('#fleet-status'); s.value = 'stale'; s.dispatchEvent(new Event('change'));");
            assertThat(chrome.script("return [...document.querySelectorAll('#fleet-table tbody tr')].map(r => r.dataset.agent)").toString())
                    .isEqualTo("[\"web-05\"]");
            chrome.script("const s = document.querySelector('#fleet-status'); s.value = ''; s.dispatchEvent(new Event('change'));"
                    + "const f = document.querySelector('#fleet-filter'); f.value = 'web'; f.dispatchEvent(new Event('input'));"
                    + "document.querySelector('button[data-sort=\"agent_id\"]').click();");
            assertThat(chrome.script("return [...document.querySelectorAll('#fleet-table tbody tr')].map(r => r.dataset.agent)").toString())
                    .isEqualTo("[\"web-05\",\"web-04\",\"web-03\",\"web-02\",\"web-01\"]");

            // the agent page draws its charts from six hours of beats
            chrome.script("location.hash = '#/agent/web-01'");
            waitFor(chrome, "agent");
            assertThat(chrome.script("return Chart.getChart(document.querySelector('#chart-cpu')).data.datasets[0].data.length").asInt())
                    .isBetween(90, 110);
            assertThat(chrome.script("return document.querySelector('#agent-facts').textContent").asText()).contains("srv-web-01", "(newest)");
            Files.write(SHOTS.resolve("agent.png"), chrome.screenshot());

            // the viewer cannot acknowledge: no button, and the API refuses the direct call
            chrome.script("location.hash = '#/alerts'");
            waitFor(chrome, "alerts");
            assertThat(chrome.script("return document.querySelectorAll('#alerts-table tbody tr').length").asInt()).isEqualTo(3);
            assertThat(chrome.script("return document.querySelectorAll('button.ack').length").asInt()).isZero();
            chrome.script("const l = document.querySelector('#alerts-level'); l.value = 'critical'; l.dispatchEvent(new Event('change'));");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return [...document.querySelectorAll('#alerts-table tbody tr')].map(r => r.dataset.alert).join()").asText().equals("al-2,al-3"));
            chrome.script("const l = document.querySelector('#alerts-level'); l.value = ''; l.dispatchEvent(new Event('change'));");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return document.querySelectorAll('#alerts-table tbody tr').length").asInt() == 3);
            assertThat(chrome.script("return window.nervesysApi('/api/alerts/al-1/ack', {method: 'POST', body: '{}'})"
                    + ".then(r => r.status + ' ' + r.body.error)").asText()).isEqualTo("403 acknowledging alerts needs the operator role");
            assertThat(chrome.script("return document.querySelector('#nav-audit').hidden").asBoolean()).isTrue();
            assertThat(errors(chrome)).isEmpty();

            // the operator acknowledges
            chrome.script("document.querySelector('#logout').click()");
            waitFor(chrome, "login");
            login(chrome, "otto", "operator-pw");
            waitFor(chrome, "alerts");
            assertThat(chrome.script("return document.querySelectorAll('button.ack').length").asInt()).isEqualTo(3);
            chrome.script("document.querySelector('button.ack[data-alert=\"al-1\"]').click()");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "const r = document.querySelector('tr[data-alert=\"al-1\"]'); return r ? r.textContent : ''").asText().contains("otto, "));
            assertThat(chrome.script("return document.querySelectorAll('button.ack').length").asInt()).isEqualTo(2);
            Files.write(SHOTS.resolve("alerts.png"), chrome.screenshot());
            assertThat(chrome.script("return fetch('/api/audit').then(r => r.status)").asInt()).isEqualTo(403);
            assertThat(errors(chrome)).isEmpty();

            // the admin reads the audit log
            chrome.script("document.querySelector('#logout').click()");
            waitFor(chrome, "login");
            login(chrome, "ada", "admin-pw");
            waitFor(chrome, "alerts"); // logged in, back on the page the last user left
            chrome.script("location.hash = '#/audit'");
            waitFor(chrome, "audit");
            String audit = chrome.script("return document.querySelector('#audit-table tbody').textContent").asText();
            assertThat(audit).contains("otto", "acknowledge", "al-1", "refused", "vera", "login", "failed");
            Files.write(SHOTS.resolve("audit.png"), chrome.screenshot());
            assertThat(errors(chrome)).isEmpty();
        }
    }

    /** Six agents: web-01 with six hours of beats, web-03 degraded, web-04 critical and behind, web-05 silent for two hours. */
    private static void seed(PGSimpleDataSource ds, Instant now) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO agent_status (agent_id, server, ts, status, status_reason, metrics, alerts, config_revision, buffer_rows,"
                        + " archive_lag_seconds, agent_version, interval_seconds) VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb),"
                        + " ?, ?, ?, '0.1.0', 60)")) {
            for (int m = 360; m >= 0; m--) {
                double cpu = 30 + 20 * Math.sin(m / 30.0);
                beat(p, "web-01", now.minusSeconds(m * 60L + 15), "healthy", null, cpu, 12 + m % 7, "[]", "c0ffee1d2e3f");
            }
            beat(p, "web-02", now.minusSeconds(25), "healthy", null, 12, 3, "[]", "c0ffee1d2e3f");
            beat(p, "web-03", now.minusSeconds(40), "degraded", "buffer 85%", 55, 85, "[{\"rule\":\"error-burst\"}]", "c0ffee1d2e3f");
            beat(p, "web-04", now.minusSeconds(10), "critical", "disk 97%", 91, 40, "[{\"rule\":\"x\"},{\"rule\":\"y\"}]", "0ldbeef00000");
            beat(p, "web-05", now.minus(Duration.ofHours(2)), "healthy", null, 8, 1, "[]", "c0ffee1d2e3f");
            beat(p, "db-01", now.minusSeconds(5), "healthy", null, 22, 0, "[]", "c0ffee1d2e3f");
            p.executeBatch();
        }
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO alert_history (alert_id, agent_id, server, fingerprint, rule, label, level, message, first_seen, last_seen,"
                        + " count, status, channels, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', 'webhook', ?)")) {
            alert(p, "al-1", "web-03", "error-burst", "ERROR", "12 errors in 1 min from checkout", now.minusSeconds(900), null, 12);
            alert(p, "al-2", "web-04", "disk-full", "CRITICAL", "disk 97% on /data", now.minusSeconds(300), null, 3);
            alert(p, "al-3", "web-01", "engine-temp", "CRITICAL", "engine.temp 131 > 120", now.minus(Duration.ofHours(20)),
                    now.minus(Duration.ofHours(19)), 1);
            p.executeBatch();
        }
    }

    private static void beat(PreparedStatement p, String agent, Instant ts, String status, String reason, double cpu, double buffer,
                             String alerts, String rev) throws Exception {
        p.setString(1, agent);
        p.setString(2, "srv-" + agent);
        p.setTimestamp(3, Timestamp.from(ts));
        p.setString(4, status);
        p.setString(5, reason);
        p.setString(6, String.format(java.util.Locale.ROOT,
                "{\"cpu_percent\":%.1f,\"ram_percent\":%.1f,\"disk_percent\":%.1f,\"buffer_percent\":%.1f}", cpu, 35 + cpu / 4, 40 + buffer / 3, buffer));
        p.setString(7, alerts);
        p.setString(8, rev);
        p.setLong(9, (long) (buffer * 1000));
        p.setLong(10, 30);
        p.addBatch();
    }

    private static void alert(PreparedStatement p, String id, String agent, String rule, String level, String message, Instant first,
                              Instant closed, long count) throws Exception {
        p.setString(1, id);
        p.setString(2, agent);
        p.setString(3, "srv-" + agent);
        p.setString(4, "fp-" + id);
        p.setString(5, rule);
        p.setString(6, message);
        p.setString(7, level);
        p.setString(8, message);
        p.setTimestamp(9, Timestamp.from(first));
        p.setTimestamp(10, Timestamp.from(closed == null ? first.plusSeconds(60) : closed));
        p.setLong(11, count);
        p.setTimestamp(12, closed == null ? null : Timestamp.from(closed));
        p.addBatch();
    }
}
