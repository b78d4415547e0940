package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.archive.S3Fixture;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.common.PinnedTls;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.OrchestratorTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Zero-config end to end (issue 12): an agent started with one token and the orchestrator's URL, and
 * nothing else (no database, no bucket, no keys, no config repo), enrolls over TLS, archives what it
 * ingests to S3 (S3Proxy) with the keys its group handed it, and reports its applied and rejected
 * revisions and health to the orchestrator, whose fleet API shows them from PostgreSQL.
 */
class OrchestratorZeroConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "zero-config-admin-token";

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private S3Fixture s3;
    private Agent orchestrator;
    private Agent agent;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {agent, orchestrator, upstream, s3, db}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void anAgentWithOnlyATokenArchivesToItsGroupsBucketAndReportsToTheOrchestrator() throws Exception {
        db = new PgDatabase("orchzc_");
        s3 = new S3Fixture();
        int ingestPort = TestAgents.freePort();
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml", "routes/ingest.camel.yaml", "routes/archive.camel.yaml",
                "routes/heartbeat.camel.yaml");
        upstream.write("config/application.properties", String.join("\n", "nervesys.ingest.port=" + ingestPort,
                "nervesys.archive.maxBytes=1KB", "nervesys.archive.interval=1s", "nervesys.archive.checkEveryMs=100",
                "nervesys.heartbeat.interval=1s", "nervesys.heartbeat.firstDelay=100ms", "nervesys.heartbeat.flushEvery=500ms", ""));
        String c1 = upstream.commit("the fleet's config");
        // the group hands out the bucket and its keys (from the orchestrator's environment); it names no database
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", String.join("\n", "agentId=edge-{host}",
                "nervesys.archive.bucket=" + S3Fixture.BUCKET, "nervesys.archive.endpoint=" + s3.endpoint(),
                "STORJ_ACCESS_KEY=${env:EDGE_S3_ACCESS}", "STORJ_SECRET_KEY=${env:EDGE_S3_SECRET}", "")));
        int port = TestAgents.freePort();
        orchestrator = Orchestrators.start("orch", tmp.resolve("orch"), config, port, db, upstream.uri(),
                Map.of("EDGE_S3_ACCESS", S3Fixture.ACCESS, "EDGE_S3_SECRET", S3Fixture.SECRET, "NERVESYS_ORCHESTRATOR_API_TOKENS", ADMIN),
                Map.of("nervesys.rollout.canary", "none", "nervesys.orchestrator.tls.selfSigned", "true"));
        String fingerprint = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorTls", OrchestratorTls.class).fingerprint();
        String token = Orchestrators.createToken(db, "edge", 1);

        Properties flags = Orchestrators.agentFlags("zc-1", tmp.resolve("agent"));
        agent = TestAgents.start(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "https://127.0.0.1:" + port));
        assertThat(agent.settings().agentId()).isEqualTo("edge-zc-1");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.settings().get("nervesys.postgres.url", "")).as("no database on the agent").isEmpty();

        // archives land in the group's bucket, written with the keys it received at enrollment
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            ndjson.append("{\"timestamp\":\"2026-03-01T12:00:00Z\",\"level\":\"INFO\",\"message\":\"zero-config record ")
                    .append(i).append(" ").append("x".repeat(60)).append("\"}\n");
        }
        HttpResponse<Void> ingest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ingestPort + "/ingest")).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString(), StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(ingest.statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(s3.records("logs/zc-1/")).hasSize(30));
        assertThat(s3.records("logs/zc-1/")).anyMatch(r -> r.contains("zero-config record 29"));

        // its heartbeats went to the orchestrator (over the pinned TLS) and into agent_status
        HttpClient api = HttpClient.newBuilder().sslContext(PinnedTls.context(fingerprint)).build();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode a = agentRow(api, port);
            assertThat(a.path("appliedRevision").asText()).isEqualTo(c1);
            assertThat(a.path("silent").asBoolean()).isFalse();
            assertThat(a.path("status").asText()).isIn("healthy", "degraded");
        });

        // a rejected revision is reported the same way; the agent keeps c1
        upstream.write("routes/broken.camel.yaml", "- route:\n    id: broken\n    from:\n      uri: nosuchcomponent:x\n      steps:\n        - log: x\n");
        String bad = upstream.commit("a route that does not validate");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode a = agentRow(api, port);
            assertThat(a.path("rejectedRevision").asText()).isEqualTo(bad);
            assertThat(a.path("appliedRevision").asText()).isEqualTo(c1);
        });
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM agent_status WHERE agent_id = ?")) {
            ps.setString(1, "edge-zc-1");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThan(1);
            }
        }
    }

    private static JsonNode agentRow(HttpClient api, int port) throws Exception {
        HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/agents"))
                .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> rows = JSON.readValue(r.body(), JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class));
        return rows.stream().filter(n -> n.path("agentId").asText().equals("edge-zc-1")).findFirst().orElseThrow();
    }
}
