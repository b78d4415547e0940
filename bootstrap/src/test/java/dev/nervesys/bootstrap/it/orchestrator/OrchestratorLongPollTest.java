package dev.nervesys.bootstrap.it.orchestrator;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
import dev.nervesys.orchestrator.LongPoll;
import dev.nervesys.orchestrator.Webhook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Long-poll end to end: a real agent enrolled with a real orchestrator, its regular config poll an
 * hour apart, learns of a pushed commit (signed webhook) within seconds because its request to
 * /v1/wait was being held.
 */
class OrchestratorLongPollTest {

    private static final String SECRET = "long-poll-webhook-secret";

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private Agent orchestrator;
    private Agent agent;

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
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
    void anEnrolledAgentLearnsOfAPushedCommitAtOnceThoughItsPollIsAnHourApart() throws Exception {
        db = new PgDatabase("orchapi_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml");
        String c1 = upstream.commit("first");
        int port = TestAgents.freePort();
        orchestrator = Orchestrators.start("orch", tmp.resolve("orch"),
                Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n")), port, db, upstream.uri(),
                Map.of(Webhook.SECRET_ENV, SECRET), Map.of("nervesys.orchestrator.upstreamPoll", "1h", "nervesys.rollout.canary", "none"));
        ConfigMirror mirror = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
        LongPoll longPoll = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorWait", LongPoll.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(c1));

        HttpResponse<String> anonymous = Orchestrators.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/wait?have=" + c1)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        String token = Orchestrators.createToken(db, "edge", 1);
        Properties flags = Orchestrators.agentFlags("lp-1", tmp.resolve("agent"));
        flags.setProperty("nervesys.config.pollSeconds", "3600");
        agent = TestAgents.start(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + port));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(longPoll.waiting()).as("the agent's request is held").isEqualTo(1));

        upstream.write("routes/hello.camel.yaml", "- route:\n    id: hello\n    from:\n      uri: timer:hello\n      parameters:\n"
                + "        period: 60000\n      steps:\n        - log: hi\n");
        String c2 = upstream.commit("second");
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + c2 + "\"}";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        long t0 = System.nanoTime();
        HttpResponse<String> push = Orchestrators.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/webhook"))
                .header("X-Hub-Signature-256", signature).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(push.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agent.state().applied().id()).isEqualTo(c2));
        assertThat(agent.routeIds()).contains("hello");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds from push to applied, with a poll an hour apart").isLessThan(10);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(longPoll.waiting()).as("held again").isEqualTo(1));
    }
}
