package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Alert silences over the management port of a real agent (docs/alerts.md, "Silences";
 * docs/security.md, "Roles"): a viewer is refused, an operator creates a silence that holds a
 * critical line's group back (recorded, not sent to the webhook, a real HTTP server), and its
 * expiry lets the group through; both actions are in the agent's log with the user's name and no
 * credential.
 */
class SilencesManagementTest extends OneAgentTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VIEWER_PW = "pw-view-4d1e90";
    private static final String OPERATOR_PW = "pw-op-83c2aa17";
    private static final String ADMIN_PW = "pw-adm-61f0b3";
    private static final String FATAL = "engine controller lost, emergency stop";

    private HttpServer hook;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private int mgmt;
    private int ingest;

    @AfterEach
    void stopHook() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        if (agent != null) {
            agent.close();
            agent = null;
        }
        if (hook != null) {
            hook.stop(0);
        }
    }

    private void startAgent() throws Exception {
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/classify.camel.yaml", "routes/alerts.camel.yaml",
                "routes/heartbeat.camel.yaml", "config/thresholds.yaml", "config/classifier/critical.txt",
                "config/classifier/normal.txt");
        ingest = TestAgents.freePort();
        repo.write("config/application.properties", "nervesys.heartbeat.interval=500ms\nnervesys.heartbeat.flushEvery=300ms\n"
                + "nervesys.heartbeat.firstDelay=0s\nnervesys.alerts.dispatchEvery=100ms\n"
                + "nervesys.ingest.port=" + ingest + "\nnervesys.ingest.host=127.0.0.1\n");
        repo.write("config/alerts.yaml", """
                group_by: [rule, agent, label, template]
                group_wait: 1s
                group_interval: 1s
                channels:
                  hook: {type: webhook, url_env: SILENCE_WEBHOOK_URL}
                rules:
                  - {name: critical, channels: [hook]}
                """);
        repo.commit("silences over the management port");
        mgmt = TestAgents.freePort();
        Properties flags = TestAgents.flags("silence-agent", tmp.resolve("data"), repo.uri(), mgmt);
        agent = TestAgents.start(flags, Map.of("SILENCE_WEBHOOK_URL", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook",
                "NERVESYS_CONSOLE_USERS", "viewer:" + VIEWER_PW + ",op:" + OPERATOR_PW + ":operator,root:" + ADMIN_PW + ":admin"));
    }

    private HttpResponse<String> post(String path, String user, String password, String type, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mgmt + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String console() throws Exception {
        return TestAgents.get(mgmt, "/q/dev/nervesys", "viewer", VIEWER_PW).body();
    }

    @Test
    void anOperatorSilencesAGroupAndItsExpiryLetsItThroughAViewerCannot() throws Exception {
        startAgent();
        String silence = "{\"match\": {\"rule\": \"fatal-level\"}, \"for\": \"1h\", \"comment\": \"engine maintenance\"}";
        String json = "application/json";

        assertThat(post("/q/nervesys/silences", null, null, json, silence).statusCode()).isEqualTo(401);
        HttpResponse<String> asViewer = post("/q/nervesys/silences", "viewer", VIEWER_PW, json, silence);
        assertThat(asViewer.statusCode()).isEqualTo(403);
        assertThat(asViewer.body()).contains("operator or admin role");
        // the path spelled with an escape is the same path to the guard
        assertThat(post("/q/nervesys/%73ilences", "viewer", VIEWER_PW, json, silence).statusCode()).isEqualTo(403);
        // a form (what a web page can post across sites) is refused, as is a bad body, with a reason
        assertThat(post("/q/nervesys/silences", "op", OPERATOR_PW, "application/x-www-form-urlencoded", "match=rule%3Dx&for=1h")
                .statusCode()).isEqualTo(415);
        HttpResponse<String> bad = post("/q/nervesys/silences", "op", OPERATOR_PW, json, "{\"match\": {\"rule\": \"x\"}, \"for\": \"soon\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error").asText()).startsWith("\"for\"");
        HttpResponse<String> noMatch = post("/q/nervesys/silences", "op", OPERATOR_PW, json, "{\"for\": \"1h\"}");
        assertThat(noMatch.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMatch.body()).path("error").asText()).startsWith("\"match\"");
        assertThat(post("/q/nervesys/silences", "op", OPERATOR_PW, json, "not json").statusCode()).isEqualTo(400);

        HttpResponse<String> created = post("/q/nervesys/silences", "op", OPERATOR_PW, json, silence);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode s = JSON.readTree(created.body());
        String id = s.path("id").asText();
        assertThat(s.path("matchers").asText()).isEqualTo("rule=fatal-level");
        assertThat(s.path("createdBy").asText()).isEqualTo("op");
        HttpResponse<String> listed = TestAgents.get(mgmt, "/q/nervesys/silences", "viewer", VIEWER_PW);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"id\":\"" + id + "\"");

        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"FATAL\",\"message\":\"" + FATAL + "\"}\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
        // the group's notification fell due (group_wait 1 s) and the silence held it back
        await().atMost(Duration.ofSeconds(30)).until(() -> console().contains("\"silencedBy\":\"" + id + "\""));
        Thread.sleep(1500); // more dispatcher ticks (every 100 ms): still nothing sent
        assertThat(received).isEmpty();

        assertThat(post("/q/nervesys/silences/" + id + "/expire", "viewer", VIEWER_PW, json, "{}").statusCode()).isEqualTo(403);
        assertThat(post("/q/nervesys/silences/nosuch/expire", "op", OPERATOR_PW, json, "{}").statusCode()).isEqualTo(404);
        HttpResponse<String> expired = post("/q/nervesys/silences/" + id + "/expire", "root", ADMIN_PW, json, "{}");
        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        assertThat(JSON.readTree(received.get(0)).path("message").asText()).isEqualTo(FATAL);
        assertThat(post("/q/nervesys/silences/" + id + "/expire", "op", OPERATOR_PW, json, "{}").statusCode()).isEqualTo(404);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data/heartbeat/heartbeat.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT created_by, comment, expired_at FROM alert_silence WHERE id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("op");
            assertThat(rs.getString(2)).isEqualTo("engine maintenance");
            assertThat(rs.getString(3)).isNotNull();
        }
        List<String> lines = log.list.stream().map(e -> e.getLoggerName() + " " + e.getFormattedMessage()).toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("management: op created silence " + id
                + " of rule=fatal-level until ").contains("comment 'engine maintenance'"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("management: root expired silence " + id));
        String all = String.join("\n", lines);
        for (String secret : List.of(VIEWER_PW, OPERATOR_PW, ADMIN_PW, Base64.getEncoder().encodeToString(("op:" + OPERATOR_PW).getBytes()))) {
            assertThat(all).doesNotContain(secret);
        }
    }
}
