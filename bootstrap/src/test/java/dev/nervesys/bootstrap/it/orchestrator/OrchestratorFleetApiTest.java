package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The fleet API over HTTP on a real orchestrator: admin token required, agents' credentials refused, JSON answers. */
class OrchestratorFleetApiTest {

    private static final String ADMIN = "fleet-api-token-for-test";
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

    private static HttpResponse<String> send(int port, String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return Orchestrators.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApiAnswersAdminTokensOnlyAndShowsTheEnrolledFleet() throws Exception {
        db = new PgDatabase("orchapi_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml");
        String c1 = upstream.commit("first");
        int port = TestAgents.freePort();
        orchestrator = Orchestrators.start("orch", tmp.resolve("orch"),
                Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n")), port, db, upstream.uri(),
                Map.of("NERVESYS_ORCHESTRATOR_API_TOKENS", ADMIN), Map.of());
        ConfigMirror mirror = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(c1));

        String token = Orchestrators.createToken(db, "edge", 1);
        HttpResponse<String> enrolled = Orchestrators.post(port, "/v1/enroll", "{\"token\":\"" + token + "\",\"host\":\"edge-1\"}", null);
        assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(200);
        String credential = JSON.readTree(enrolled.body()).path("credential").asText();

        for (String path : new String[] {"/v1/agents", "/v1/revisions", "/v1/rollouts", "/v1/tokens", "/v1/audit"}) {
            HttpResponse<String> none = send(port, "GET", path, null);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(JSON.readTree(none.body()).path("error").asText()).contains("Authorization: Bearer");
            assertThat(send(port, "GET", path, "Bearer wrong-" + ADMIN).statusCode()).as(path).isEqualTo(403);
            HttpResponse<String> ok = send(port, "GET", path, "Bearer " + ADMIN);
            assertThat(ok.statusCode()).as(path + ": " + ok.body()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(ok.body()).doesNotContain(token).doesNotContain(credential).doesNotContain(ADMIN);
        }
        String agentBasic = "Basic " + java.util.Base64.getEncoder().encodeToString(("edge-1:" + credential).getBytes());
        assertThat(send(port, "GET", "/v1/agents", agentBasic).statusCode()).as("an agent's credential does not open the API").isEqualTo(401);

        JsonNode agents = JSON.readTree(send(port, "GET", "/v1/agents", "Bearer " + ADMIN).body());
        assertThat(agents).hasSize(1);
        assertThat(agents.get(0).path("agentId").asText()).isEqualTo("edge-1");
        assertThat(agents.get(0).path("targetRevision").asText()).isEqualTo(c1);
        assertThat(agents.get(0).path("revoked").asBoolean()).isFalse();
        JsonNode revisions = JSON.readTree(send(port, "GET", "/v1/revisions", "Bearer " + ADMIN).body());
        assertThat(revisions.get(0).path("revision").asText()).isEqualTo(c1);
        assertThat(revisions.get(0).path("pending").toString()).isEqualTo("[\"edge-1\"]");
        JsonNode tokens = JSON.readTree(send(port, "GET", "/v1/tokens", "Bearer " + ADMIN).body());
        assertThat(tokens.get(0).path("uses").asInt()).isEqualTo(1);
        assertThat(tokens.get(0).path("group_name").asText()).isEqualTo("edge");

        HttpResponse<String> promote = send(port, "POST", "/v1/rollouts/" + c1 + "/promote", "Bearer " + ADMIN);
        assertThat(promote.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(promote.body()).path("error").asText()).isEqualTo("rollout of " + c1 + " is already promoted");
        HttpResponse<String> halt = send(port, "POST", "/v1/rollouts/" + c1.substring(0, 10) + "/halt", "Bearer " + ADMIN);
        assertThat(halt.statusCode()).as(halt.body()).isEqualTo(200);
        assertThat(JSON.readTree(halt.body()).path("state").asText()).isEqualTo("halted");
        assertThat(send(port, "DELETE", "/v1/rollouts", "Bearer " + ADMIN).statusCode()).isEqualTo(405);
        JsonNode audit = JSON.readTree(send(port, "GET", "/v1/audit?limit=1", "Bearer " + ADMIN).body());
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0).path("event").asText()).isEqualTo("rollout-halted");
    }
}
