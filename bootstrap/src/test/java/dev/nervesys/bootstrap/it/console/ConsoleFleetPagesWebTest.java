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
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * The fleet table in pages of 100 rows (docs/console.md, "Measured": drawing 10,000 rows was the
 * cost): a fleet of 250 agents shows 100 rows and a pager; Next and Previous (buttons, usable with the
 * keyboard) move by 100; filter and sort run over every agent, not the page shown, and start again at
 * the first page; no JavaScript error.
 */
class ConsoleFleetPagesWebTest {


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
    void aFleetOf250AgentsIsShownInPagesOf100() throws Exception {
        db = new PgDatabase("cons_pages_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.url());
        ds.setUser(PgDatabase.USER);
        Migrations.apply(ds, Dialect.POSTGRES);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement("""
                INSERT INTO agent_status (agent_id, server, ts, status, metrics, config_revision, interval_seconds)
                SELECT 'agent-' || lpad(a::text, 3, '0'), 'srv-' || a, CAST(? AS timestamptz) - interval '10 seconds',
                       CASE WHEN a = 177 THEN 'critical' ELSE 'healthy' END, '{"cpu_percent": 10}'::jsonb, 'rev-1', 60
                FROM generate_series(1, 250) a
                """)) {
            p.setTimestamp(1, Timestamp.from(now));
            p.executeUpdate();
        }
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "webconsole"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\n");
        repo.commit("console on");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("pages-agent", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.postgres.url", db.url());
        agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4),
                "NERVESYS_POSTGRES_USER", PgDatabase.USER));
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open(base + "/");
            waitFor(chrome, "login");
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "fleet");
            String rows = "return [...document.querySelectorAll('#fleet-table tbody tr')].map(r => r.dataset.agent)";
            assertThat(chrome.script(rows)).hasSize(100);
            assertThat(chrome.script(rows).get(0).asText()).isEqualTo("agent-001");
            assertThat(chrome.script(rows).get(99).asText()).isEqualTo("agent-100");
            assertThat(chrome.script("return document.querySelector('#fleet-count').textContent").asText()).isEqualTo("250 of 250 agents");
            assertThat(chrome.script("return document.querySelector('#fleet-page').textContent").asText()).isEqualTo("page 1 of 3 (rows 1–100)");
            assertThat(chrome.script("return document.querySelector('#fleet-prev').disabled").asBoolean()).isTrue();
            assertThat(chrome.script("return document.querySelector('#fleet-summary').textContent").asText()).contains("250agents", "1critical");

            // Next and Previous are buttons: focusable, activated by the keyboard like a click
            chrome.script("const b = document.querySelector('#fleet-next'); b.focus(); b.click();");
            assertThat(chrome.script("return document.activeElement.id").asText()).isEqualTo("fleet-next");
            assertThat(chrome.script(rows).get(0).asText()).isEqualTo("agent-101");
            chrome.script("document.querySelector('#fleet-next').click()");
            assertThat(chrome.script(rows)).hasSize(50);
            assertThat(chrome.script(rows).get(49).asText()).isEqualTo("agent-250");
            assertThat(chrome.script("return document.querySelector('#fleet-next').disabled").asBoolean()).isTrue();
            chrome.script("document.querySelector('#fleet-prev').click()");
            assertThat(chrome.script("return document.querySelector('#fleet-page').textContent").asText()).isEqualTo("page 2 of 3 (rows 101–200)");

            // sort over every agent, from the first page: descending by id puts agent-250 on top
            chrome.script("const b = document.querySelector('button[data-sort=\"agent_id\"]'); b.click();");
            assertThat(chrome.script(rows).get(0).asText()).isEqualTo("agent-250");
            assertThat(chrome.script("return document.querySelector('#fleet-page').textContent").asText()).startsWith("page 1 of 3");

            // the status filter finds the one critical agent, which is not on the page shown before
            chrome.script("const s = document.querySelector('#fleet-status'); s.value = 'critical'; s.dispatchEvent(new Event('change'));");
            assertThat(chrome.script(rows).toString()).isEqualTo("[\"agent-177\"]");
            assertThat(chrome.script("return document.querySelector('#fleet-pager').hidden").asBoolean()).isTrue();
            // the text filter too: agent-240 to agent-249, on the last page before
            chrome.script("const s = document.querySelector('#fleet-status'); s.value = ''; s.dispatchEvent(new Event('change'));"
                    + "const f = document.querySelector('#fleet-filter'); f.value = 'agent-24'; f.dispatchEvent(new Event('input'));");
            assertThat(chrome.script(rows)).hasSize(10);
            assertThat(chrome.script("return document.querySelector('#fleet-count').textContent").asText()).isEqualTo("10 of 250 agents");
            assertThat(errors(chrome)).isEmpty();
        }
    }
}
