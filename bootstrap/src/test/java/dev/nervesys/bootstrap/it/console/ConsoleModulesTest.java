package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The modules page in headless Chromium: an admin switches module demo on for the running agent;
 * the switch is a commit by that admin in the real bare config repo, and the agent applies it
 * (its demo route runs). A viewer sees the switches but no form, and the API refuses the change.
 * The fleet's rejected revision shows on the page, and the alerts page the rules in force (the
 * repo's config/alerts.yaml). Screenshot: docs/console/modules.png.
 */
class ConsoleModulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PG = "jdbc:postgresql://" + System.getProperty("nervesys.test.pgHost", "127.0.0.1") + ":"
            + Integer.getInteger("nervesys.test.pgPort", 5432) + "/";

    @TempDir
    Path tmp;
    private Agent agent;
    private final String db = "cons_mod_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

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
    void anAdminSwitchesAModuleOnAsACommitAndTheAgentAppliesIt() throws Exception {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(PG + db);
        ds.setUser("postgres");
        Migrations.apply(ds, Dialect.POSTGRES);

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "webconsole", "demo"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\nnervesys.modules.demo=false\n");
        repo.write("config/alerts.yaml", Files.readString(ConfigRepo.projectRoot().resolve("config/alerts.yaml")));
        String c1 = repo.commit("console on, demo off");
        seed(ds, c1);
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("console-agent", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.postgres.url", PG + db);
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4)
                + ",ada:admin:" + PasswordHashes.hash("admin-pw".toCharArray(), 4);
        agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", "postgres"));
        assertThat(agent.routeIds()).doesNotContain("demo-tick");
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open(base + "/#/modules");
            waitFor(chrome, "login");
            login(chrome, "ada", "admin-pw");
            waitFor(chrome, "modules");
            assertThat(chrome.script("return document.querySelector('tr[data-module=\"demo\"]').textContent").asText()).isEqualTo("demooff—");
            assertThat(chrome.script("return document.querySelector('#modules-fleet tr[data-agent=\"web-02\"]').textContent").asText())
                    .contains("bad1234567", "routes/x.camel.yaml:3: unknown component: nosuch");

            chrome.script("document.querySelector('#modules-module').value = 'demo';"
                    + "document.querySelector('#modules-on').value = 'true';"
                    + "document.querySelector('#modules-agents').value = 'console-agent';"
                    + "document.querySelector('#modules-save').click();");
            await().atMost(Duration.ofSeconds(30)).until(() -> chrome.script("return document.querySelector('#modules-msg').textContent")
                    .asText().startsWith("committed "));
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script(
                    "return document.querySelector('tr[data-module=\"demo\"]').textContent").asText().equals("demooffconsole-agent: on"));
            Files.write(ConfigRepo.projectRoot().resolve("docs/console/modules.png"), chrome.screenshot());

            // the commit: in the bare repo, by the admin, saying what changed
            RevCommit head;
            try (Git g = Git.open(repo.bare().toFile()); RevWalk w = new RevWalk(g.getRepository())) {
                head = w.parseCommit(g.getRepository().resolve("refs/heads/main"));
            }
            assertThat(head.getParent(0).name()).isEqualTo(c1);
            assertThat(head.getAuthorIdent().getName()).isEqualTo("ada");
            assertThat(head.getShortMessage()).isEqualTo("Switch module demo on for console-agent");
            assertThat(chrome.script("return document.querySelector('#modules-msg').textContent").asText())
                    .isEqualTo("committed " + head.name().substring(0, 10));
            // ... which the running agent applies
            await().atMost(Duration.ofSeconds(30)).until(() -> head.name().equals(agent.state().applied().id()));
            assertThat(agent.routeIds()).contains("demo-tick");
            assertThat(errors(chrome)).isEmpty();

            // the alerts page shows the rules in force: config/alerts.yaml at the repo's tip
            chrome.script("location.hash = '#/alerts'");
            waitFor(chrome, "alerts");
            chrome.script("document.querySelector('#alerts-rules').open = true");
            await().atMost(Duration.ofSeconds(10)).until(() -> chrome.script("return document.querySelector('#alerts-rules-text').textContent")
                    .asText().contains("dedup_window: 10m"));
            assertThat(chrome.script("return document.querySelector('#alerts-rules-where').textContent").asText())
                    .isEqualTo("At commit " + head.name().substring(0, 10) + ":");

            // a viewer sees the switches, has no form, and the API refuses the change
            chrome.script("document.querySelector('#logout').click()");
            waitFor(chrome, "login");
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "alerts");
            chrome.script("location.hash = '#/modules'");
            waitFor(chrome, "modules");
            assertThat(chrome.script("return document.querySelector('#modules-form').hidden").asBoolean()).isTrue();
            assertThat(chrome.script("return window.nervesysApi('/api/modules', {method: 'POST', body: JSON.stringify("
                    + "{module: 'demo', on: false, agents: []})}).then(r => r.status + ' ' + r.body.error)").asText())
                    .isEqualTo("403 switching modules needs the admin role");
            assertThat(errors(chrome)).isEmpty();
        }
        try (Git g = Git.open(repo.bare().toFile())) {
            assertThat(g.getRepository().resolve("refs/heads/main").name()).isEqualTo(agent.state().applied().id());
        }
    }

    private static void seed(PGSimpleDataSource ds, String revision) throws Exception {
        Instant now = Instant.now();
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO agent_status (agent_id, server, ts, status, metrics, config_revision, config_rejected_revision,"
                        + " config_rejected_error, interval_seconds) VALUES (?, ?, ?, 'healthy', '{}'::jsonb, ?, ?, ?, 60)")) {
            p.setString(1, "web-01");
            p.setString(2, "srv-web-01");
            p.setTimestamp(3, Timestamp.from(now.minusSeconds(10)));
            p.setString(4, revision);
            p.setString(5, null);
            p.setString(6, null);
            p.addBatch();
            p.setString(1, "web-02");
            p.setString(2, "srv-web-02");
            p.setTimestamp(3, Timestamp.from(now.minusSeconds(20)));
            p.setString(4, revision);
            p.setString(5, "bad1234567890");
            p.setString(6, "routes/x.camel.yaml:3: unknown component: nosuch");
            p.addBatch();
            p.executeBatch();
        }
    }
}
