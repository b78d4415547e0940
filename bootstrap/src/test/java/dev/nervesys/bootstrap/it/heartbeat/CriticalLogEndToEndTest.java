package dev.nervesys.bootstrap.it.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.sun.net.httpserver.HttpServer;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent (bootstrap runtime, bare Git config repo) receives log lines on its ingest port;
 * the critical one produces an alert by webhook (a real HTTP server) and by mail (GreenMail), and
 * the agent writes heartbeats (embedded SQLite default) that show the open alert.
 */
class CriticalLogEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path tmp;
    private Agent agent;
    private HttpServer hook;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (hook != null) {
            hook.stop(0);
        }
    }

    @Test
    void criticalLogLineAlertsByWebhookAndMailAndHeartbeatsAreWritten() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/classify.camel.yaml", "routes/alerts.camel.yaml",
                "routes/heartbeat.camel.yaml", "config/thresholds.yaml", "config/classifier/critical.txt",
                "config/classifier/normal.txt");
        repo.write("config/application.properties", "nervesys.heartbeat.interval=500ms\nnervesys.heartbeat.flushEvery=300ms\n"
                + "nervesys.heartbeat.firstDelay=0s\nnervesys.alerts.dispatchEvery=100ms\n");
        repo.write("config/alerts.yaml", """
                channels:
                  hook: {type: webhook, url_env: E2E_WEBHOOK_URL}
                  mail: {type: mail, to: fleet-ops@example.com}
                rules:
                  - {name: critical, channels: [hook, mail]}
                """);
        repo.commit("critical log end to end");

        int mgmt = TestAgents.freePort();
        int ingest = TestAgents.freePort();
        Properties flags = TestAgents.flags("e2e-hb", tmp.resolve("data"), repo.uri(), mgmt);
        flags.setProperty("nervesys.ingest.port", String.valueOf(ingest));
        flags.setProperty("nervesys.ingest.host", "127.0.0.1");
        flags.setProperty("nervesys.alerts.smtp.host", "127.0.0.1");
        flags.setProperty("nervesys.alerts.smtp.port", String.valueOf(mail.getSmtp().getPort()));
        agent = TestAgents.start(flags, Map.of("E2E_WEBHOOK_URL", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"));
        assertThat(agent.routeIds()).contains("heartbeat-beat", "heartbeat-flush", "classify-critical", "alerts-dispatch", "alerts-history");

        String body = """
                {"timestamp":"2025-12-10T12:00:00Z","level":"INFO","message":"request completed in 12 ms"}
                {"timestamp":"2025-12-10T12:00:01Z","level":"FATAL","agent_id":"app-7","message":"engine controller lost, emergency stop"}
                {"timestamp":"2025-12-10T12:00:02Z","level":"LOUD","message":"an unknown level: default_level applies"}
                """;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        JsonNode alert = JSON.readTree(received.get(0));
        assertThat(alert.get("agent_id").asText()).isEqualTo("e2e-hb");
        assertThat(alert.get("rule").asText()).isEqualTo("fatal-level");
        assertThat(alert.get("message").asText()).isEqualTo("engine controller lost, emergency stop");
        await().atMost(Duration.ofSeconds(30)).until(() -> mail.getReceivedMessages().length == 1);
        assertThat(mail.getReceivedMessages()[0].getSubject()).isEqualTo("[nervesys] critical on e2e-hb: engine controller lost, emergency stop");
        assertThat(mail.getReceivedMessages()[0].getAllRecipients()[0].toString()).isEqualTo("fleet-ops@example.com");

        Path db = tmp.resolve("data/heartbeat/heartbeat.db");
        await().atMost(Duration.ofSeconds(30)).until(() -> lastAlerts(db).contains("fatal-level"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT agent_id, status, status_reason, buffer_rows FROM agent_status ORDER BY ts DESC LIMIT 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("e2e-hb");
            // open_alerts: {degraded: 1} in config/thresholds.yaml (a busy test host may add cpu or ram: critical)
            assertThat(rs.getString(2)).isIn("degraded", "critical");
            assertThat(rs.getString(3)).contains("open_alerts 1 >= 1");
            assertThat(rs.getLong(4)).isEqualTo(3);
        }
        HttpResponse<String> health = TestAgents.get(mgmt, "/observe/health/ready?data=true&exposureLevel=full", null, null);
        assertThat(health.body()).contains("heartbeat-sqlite");
        HttpResponse<String> console = TestAgents.get(mgmt, "/q/dev/nervesys", null, null);
        assertThat(console.body()).contains("classifier").contains("\"critical\":1");
    }

    private static String lastAlerts(Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT alerts FROM agent_status ORDER BY ts DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (Exception e) {
            return "";
        }
    }
}
