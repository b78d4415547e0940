package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.archive.S3Fixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health with real outages (docs/operations.md, "Health: liveness, readiness, degraded"): the
 * archive bucket (S3Proxy) stopped, ClickHouse and PostgreSQL on closed ports. The agent keeps
 * accepting and buffering, so liveness and readiness stay UP; each dependency shows as degraded,
 * with its error, since when and its backlog, in its check's details, in the console and in the
 * metrics. Then a real not-ready case: the buffer fills up under policy reject (nothing drains while
 * both consumers are down), ingest answers 503, and readiness is DOWN while liveness stays UP.
 */
class HealthDegradedTest extends OneAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private S3Fixture s3;

    @AfterEach
    void stopS3() throws Exception {
        closeAgentFirst();
        if (s3 != null) {
            s3.close();
        }
    }

    private void closeAgentFirst() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    @Test
    void dependencyOutagesAreDegradedNotDownAndAFullBufferIsNotReady() throws Exception {
        s3 = new S3Fixture();
        s3.stop();
        int closedClickHouse = TestAgents.freePort();
        int closedPostgres = TestAgents.freePort();
        int ingestPort = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/archive.camel.yaml", "routes/clickhouse.camel.yaml",
                "routes/heartbeat.camel.yaml");
        repo.write("config/application.properties", String.join("\n",
                "nervesys.ingest.port=" + ingestPort, "nervesys.ingest.host=127.0.0.1", "nervesys.ingest.tokens=t1",
                "nervesys.buffer.maxBytes=512KB", "nervesys.buffer.whenFull=reject",
                "nervesys.archive.maxBytes=1KB", "nervesys.archive.interval=1s", "nervesys.archive.checkEveryMs=100",
                "nervesys.archive.backoffMax=1s",
                "nervesys.clickhouse.url=http://127.0.0.1:" + closedClickHouse, "nervesys.clickhouse.database=health_test",
                "nervesys.clickhouse.backoffMax=1s", "nervesys.clickhouse.timeout=2s",
                "nervesys.postgres.url=jdbc:postgresql://127.0.0.1:" + closedPostgres + "/nervesys",
                "nervesys.postgres.connectTimeout=1s", "nervesys.heartbeat.interval=1s", "nervesys.heartbeat.firstDelay=100ms",
                "nervesys.heartbeat.flushEvery=500ms", "nervesys.heartbeat.backoffInitial=500ms",
                "nervesys.heartbeat.backoffMax=1s", ""));
        repo.commit("every dependency down");
        Map<String, String> env = new HashMap<>();
        env.put("STORJ_BUCKET", S3Fixture.BUCKET);
        env.put("STORJ_ENDPOINT", s3.endpoint());
        env.put("STORJ_ACCESS_KEY", S3Fixture.ACCESS);
        env.put("STORJ_SECRET_KEY", S3Fixture.SECRET);
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-degraded", tmp.resolve("data"), repo.uri(), port);
        Instant started = Instant.now();
        agent = TestAgents.start(flags, env);

        assertThat(post(ingestPort, lines(20))).isEqualTo(204);
        // every dependency has failed at least once
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode ready = health(port, "/observe/health/ready");
            assertThat(state(ready, "nervesys-archive")).isEqualTo("degraded");
            assertThat(state(ready, "nervesys-clickhouse")).isEqualTo("degraded");
            assertThat(state(ready, "heartbeat-postgres")).isEqualTo("degraded");
        });

        for (String path : new String[] {"/observe/health", "/observe/health/ready", "/observe/health/live"}) {
            HttpResponse<String> r = TestAgents.get(port, path + "?data=true&exposureLevel=full", null, null);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("status").asText()).isEqualTo("UP");
        }
        JsonNode ready = health(port, "/observe/health/ready");
        JsonNode archive = check(ready, "nervesys-archive");
        assertThat(archive.path("status").asText()).isEqualTo("UP");
        assertThat(archive.path("message").asText()).startsWith("degraded: bucket " + S3Fixture.BUCKET + " does not answer");
        assertThat(archive.path("data").path("target").asText()).isEqualTo("s3://" + S3Fixture.BUCKET);
        assertThat(archive.path("data").path("error").asText()).contains("does not answer");
        assertThat(Instant.parse(archive.path("data").path("since").asText())).isBetween(started, Instant.now());
        assertThat(archive.path("data").path("backlogRows").asLong()).isEqualTo(20);
        assertThat(archive.path("data").path("backlogBytes").asLong()).isPositive();
        JsonNode clickhouse = check(ready, "nervesys-clickhouse").path("data");
        assertThat(clickhouse.path("error").asText()).isNotBlank();
        assertThat(clickhouse.path("target").asText()).contains("127.0.0.1:" + closedClickHouse);
        assertThat(clickhouse.path("backlogRows").asLong()).isEqualTo(20);
        JsonNode heartbeat = check(ready, "heartbeat-postgres").path("data");
        assertThat(heartbeat.path("error").asText()).startsWith("heartbeat database unreachable");
        assertThat(heartbeat.path("backlogBeats").asLong()).isPositive();
        JsonNode dataPath = check(ready, "nervesys-data-path");
        assertThat(dataPath.path("status").asText()).isEqualTo("UP");
        assertThat(dataPath.path("data").path("bufferAccepting").asBoolean()).isTrue();
        assertThat(dataPath.path("data").path("ingestRoutesListening").asInt()).as(dataPath.toString()).isGreaterThanOrEqualTo(3);
        assertThat(check(ready, "nervesys-config").path("status").asText()).isEqualTo("UP");
        assertThat(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null).body())
                .doesNotContain(S3Fixture.SECRET).doesNotContain(S3Fixture.ACCESS);

        // the console's dependencies section and the metrics say the same
        JsonNode console = JSON.readTree(TestAgents.get(port, "/q/dev/nervesys", null, null).body());
        JsonNode deps = (console.has("nervesys") ? console.get("nervesys") : console).path("dependencies");
        assertThat(deps.path("archive").path("state").asText()).isEqualTo("degraded");
        assertThat(deps.path("archive").path("since").asText()).isNotBlank();
        assertThat(deps.path("clickhouse").path("state").asText()).isEqualTo("degraded");
        assertThat(deps.path("heartbeat").path("state").asText()).isEqualTo("degraded");
        assertThat(deps.path("drive").path("state").asText()).isEqualTo("off");
        String metrics = TestAgents.get(port, "/observe/metrics", null, null).body();
        assertThat(metrics).contains("nervesys_dependency_degraded{dependency=\"archive\"} 1.0")
                .contains("nervesys_dependency_degraded{dependency=\"clickhouse\"} 1.0")
                .contains("nervesys_dependency_degraded{dependency=\"heartbeat\"} 1.0")
                .contains("nervesys_dependency_enabled{dependency=\"drive\"} 0.0");

        // a real not-ready case: the buffer fills up under reject, ingest answers 503
        int status = 204;
        for (int i = 0; i < 300 && status == 204; i++) {
            status = post(ingestPort, lines(500));
        }
        assertThat(status).as("the full buffer refuses").isEqualTo(503);
        HttpResponse<String> notReady = TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null);
        assertThat(notReady.statusCode()).as(notReady.body()).isEqualTo(503);
        JsonNode full = check(JSON.readTree(notReady.body()), "nervesys-data-path");
        assertThat(full.path("status").asText()).isEqualTo("DOWN");
        assertThat(full.path("message").asText()).contains("the buffer is full").contains("whenFull=reject");
        assertThat(full.path("data").path("bufferAccepting").asBoolean()).isFalse();
        // a restart would not help: liveness stays UP
        HttpResponse<String> live = TestAgents.get(port, "/observe/health/live?data=true&exposureLevel=full", null, null);
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        assertThat(check(JSON.readTree(live.body()), "nervesys-data-path").path("status").asText()).isEqualTo("UP");
    }

    private static String lines(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"").append(UUID.randomUUID())
                    .append(' ').append(UUID.randomUUID()).append("\"}\n");
        }
        return b.toString();
    }

    private static int post(int port, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                .header("Authorization", "Token t1").header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static JsonNode health(int port, String path) throws Exception {
        return JSON.readTree(TestAgents.get(port, path + "?data=true&exposureLevel=full", null, null).body());
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static String state(JsonNode health, String name) {
        return check(health, name).path("data").path("state").asText();
    }
}
