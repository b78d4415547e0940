package dev.nervesys.bootstrap.it.orchestrator;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The push webhook of a real orchestrator: signed requests make the mirror fetch at once, others are refused. */
class OrchestratorWebhookTest {

    private static final String SECRET = "webhook-secret-for-test";

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

    private static HttpResponse<String> push(int port, String body, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/webhook"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (header != null) {
            b.header(header, value);
        }
        return Orchestrators.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aSignedPushFetchesAtOnceAndUnsignedOrBadlySignedOnesAreRefused() throws Exception {
        db = new PgDatabase("orch_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml");
        String c1 = upstream.commit("first");
        int port = TestAgents.freePort();
        // a poll period long enough that only the webhook can explain a fetch during the test
        orchestrator = Orchestrators.start("orch", tmp.resolve("orch"), Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of()),
                port, db, upstream.uri(), Map.of(Webhook.SECRET_ENV, SECRET), Map.of("nervesys.orchestrator.upstreamPoll", "1h"));
        ConfigMirror mirror = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(c1));

        upstream.write("routes/hello.camel.yaml", "- route:\n    id: hello\n    from:\n      uri: timer:hello\n      steps:\n        - log: hi\n");
        String c2 = upstream.commit("second");
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + c2 + "\"}";

        HttpResponse<String> unsigned = push(port, body, null, null);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.body()).contains("unsigned");
        HttpResponse<String> forged = push(port, body, "X-Hub-Signature-256", sign(body + " "));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("bad signature");
        assertThat(push(port, body, "X-Gitlab-Token", "wrong").statusCode()).isEqualTo(401);
        assertThat(mirror.commit()).isEqualTo(c1);

        HttpResponse<String> signed = push(port, body, "X-Hub-Signature-256", sign(body));
        assertThat(signed.statusCode()).isEqualTo(200);
        assertThat(signed.body()).contains(c2);
        assertThat(mirror.commit()).isEqualTo(c2);
        assertThat(mirror.fetches()).isEqualTo(2);
        assertThat(push(port, body, "X-Gitlab-Token", SECRET).statusCode()).isEqualTo(200);
        assertThat(mirror.fetches()).as("nothing new: a ref listing, no fetch").isEqualTo(2);
    }
}
