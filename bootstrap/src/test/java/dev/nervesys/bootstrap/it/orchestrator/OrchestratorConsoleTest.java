package dev.nervesys.bootstrap.it.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The orchestrator serves the web console by default (no module switch given), reading the same
 * PostgreSQL as its fleet API through the one status-database pool; an agent's default is off.
 */
class OrchestratorConsoleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private Agent orchestrator;

    @AfterEach
    void tearDown() throws Exception {
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theOrchestratorServesTheConsoleOverTheFleetDatabase() throws Exception {
        db = new PgDatabase("orchcons_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        Migrations.apply(ds, Dialect.POSTGRES); // the agents' heartbeats write here
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, interval_seconds)"
                    + " VALUES ('edge-7', 'host-7', now(), 'healthy', '{\"cpu_percent\":12.5}', '[]', 'abc', 60)");
        }
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml");
        upstream.commit("first");
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n"));
        Files.copy(ConfigRepo.projectRoot().resolve("routes/webconsole.camel.yaml"), config.resolve("routes/webconsole.camel.yaml"));
        int consolePort = TestAgents.freePort();
        String users = "ada:admin:" + PasswordHashes.hash("admin-pw".toCharArray(), 4);
        orchestrator = Orchestrators.start("orch", tmp.resolve("orch"), config, TestAgents.freePort(), db, upstream.uri(),
                Map.of("NERVESYS_WEBCONSOLE_USERS", users), Map.of("nervesys.webconsole.port", String.valueOf(consolePort)));

        String base = "http://127.0.0.1:" + consolePort;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Orchestrators.HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        HttpResponse<String> login = Orchestrators.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"ada\",\"password\":\"admin-pw\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        HttpResponse<String> fleet = Orchestrators.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/fleet"))
                .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fleet.statusCode()).as(fleet.body()).isEqualTo(200);
        JsonNode agents = JSON.readTree(fleet.body()).path("agents");
        assertThat(agents).hasSize(1);
        assertThat(agents.get(0).path("agent_id").asText()).isEqualTo("edge-7");
        assertThat(agents.get(0).path("cpu_percent").asDouble()).isEqualTo(12.5);
        // one pool on the fleet's database: the console reads through the heartbeat's, not a pool of its own
        assertThat(orchestrator.context().getRegistry().lookupByName("webconsoleDataSource")).isNull();
        assertThat(orchestrator.context().getRegistry().lookupByName("heartbeatDataSource")).isNotNull();
        assertThat(orchestrator.context().getRouteController().getRouteStatus("webconsole-http").isStarted()).isTrue();
    }
}
