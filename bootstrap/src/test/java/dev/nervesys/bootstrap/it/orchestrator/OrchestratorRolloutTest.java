package dev.nervesys.bootstrap.it.orchestrator;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A staged rollout with real parts: two orchestrators on one PostgreSQL, one canary agent and one
 * other agent (the jar's runtime, enrolled with one token, beating into the same database). A
 * commit that validates but cannot start on the canary halts the rollout, the other agent never
 * sees it, and the halt reaches a webhook receiver as an alert (the orchestrator's alerts module,
 * once for both orchestrators); the fixed commit goes to the canary, soaks, and reaches the other agent.
 */
class OrchestratorRolloutTest {

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private final List<Agent> running = new ArrayList<>();
    private final List<String> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private com.sun.net.httpserver.HttpServer receiver;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
        if (db != null) {
            db.close();
        }
    }

    private static String listener(int port) {
        return """
                - route:
                    id: listener
                    from:
                      uri: "netty-http:http://0.0.0.0:%d/hello"
                      steps:
                        - setBody:
                            constant: "hello"
                """.formatted(port);
    }

    @Test
    void aCommitThatFailsOnTheCanaryHaltsAndTheFixedOneReachesEveryoneAfterTheSoak() throws Exception {
        db = new PgDatabase("orch_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml", "routes/heartbeat.camel.yaml");
        String c1 = upstream.commit("heartbeat only");
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("orchestrator-config"), Map.of("edge",
                "agentId=edge-{host}\nnervesys.postgres.url=" + db.url() + "\nnervesys.heartbeat.interval=1s\n"
                        + "nervesys.heartbeat.flushEvery=1s\nNERVESYS_POSTGRES_USER=${env:ORCH_PG_USER}\n"));
        // the orchestrators' alerts: a webhook receiver here, every critical alert sent at once
        receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", x -> {
            alerts.add(new String(x.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
        java.nio.file.Files.copy(dev.nervesys.bootstrap.it.ConfigRepo.projectRoot().resolve("routes/alerts.camel.yaml"),
                config.resolve("routes/alerts.camel.yaml"));
        java.nio.file.Files.writeString(config.resolve("config/alerts.yaml"), """
                group_wait: 1s
                channels:
                  ops:
                    type: webhook
                    url: http://127.0.0.1:%d/hook
                    format: json
                rules:
                  - name: every-critical
                    label: critical
                    channels: [ops]
                """.formatted(receiver.getAddress().getPort()));
        Map<String, String> env = Map.of("ORCH_PG_USER", PgDatabase.USER);
        Map<String, String> flags = Map.of("nervesys.rollout.canary", "edge-canary", "nervesys.rollout.soak", "3s");
        int portA = TestAgents.freePort();
        int portB = TestAgents.freePort();
        running.add(Orchestrators.start("orch-a", tmp.resolve("orch-a"), config, portA, db, upstream.uri(), env, flags));
        running.add(Orchestrators.start("orch-b", tmp.resolve("orch-b"), config, portB, db, upstream.uri(), env, flags));

        String token = Orchestrators.createToken(db, "edge", 2);
        Agent canary = TestAgents.start(Orchestrators.agentFlags("canary", tmp.resolve("canary")),
                Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portA));
        running.add(canary);
        Agent other = TestAgents.start(Orchestrators.agentFlags("other", tmp.resolve("other")),
                Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portB));
        running.add(other);
        assertThat(canary.state().applied().id()).isEqualTo(c1);
        assertThat(other.state().applied().id()).isEqualTo(c1);

        // c2 validates but cannot start: its port is taken
        String c2;
        try (ServerSocket taken = new ServerSocket(0)) {
            upstream.write("routes/listener.camel.yaml", listener(taken.getLocalPort()));
            c2 = upstream.commit("listener on a taken port");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                canary.syncNow();
                assertThat(canary.state().rejected()).isNotNull();
                assertThat(canary.state().rejected().id()).isEqualTo(c2);
            });
            assertThat(canary.state().applied().id()).isEqualTo(c1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(Orchestrators.cli("rollout", "list", "--postgres", Orchestrators.cliUrl(db)).out())
                            .containsPattern(c2 + " +halted .*canary edge-canary rejected it"));
            other.syncNow();
            assertThat(other.state().applied().id()).isEqualTo(c1);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(alerts)
                .anySatisfy(a -> assertThat(a).contains("rollout-halted").contains("Rollout of " + c2 + " halted: canary edge-canary rejected it")
                        .contains("the fleet stays on " + c1)));

        // the fix (a timer instead of the listener: both agents share this JVM, so no fixed port) goes to the
        // canary, soaks, then to everyone
        upstream.write("routes/listener.camel.yaml", """
                - route:
                    id: listener
                    from:
                      uri: timer:listener
                      parameters:
                        period: 1000
                      steps:
                        - setBody:
                            constant: "hello"
                """);
        String c3 = upstream.commit("a timer instead");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            canary.syncNow();
            assertThat(canary.state().applied().id()).isEqualTo(c3);
        });
        other.syncNow();
        assertThat(other.state().applied().id()).as("not before the soak").isEqualTo(c1);
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            other.syncNow();
            assertThat(other.state().applied().id()).isEqualTo(c3);
        });
        assertThat(Orchestrators.cli("rollout", "list", "--postgres", Orchestrators.cliUrl(db)).out())
                .containsPattern(c3 + " +promoted .*every canary \\(1\\) ran it healthy for PT3S");
        assertThat(alerts.stream().filter(a -> a.contains(c2))).as("one alert for both orchestrators").hasSize(1);
    }

    @Test
    void anOperatorPromotesACanaryCommitToEveryoneBeforeTheSoakEnds() throws Exception {
        db = new PgDatabase("orch_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml", "routes/heartbeat.camel.yaml");
        String c1 = upstream.commit("heartbeat only");
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("orchestrator-config"), Map.of("edge",
                "agentId=edge-{host}\nnervesys.postgres.url=" + db.url() + "\nnervesys.heartbeat.interval=1s\n"
                        + "nervesys.heartbeat.flushEvery=1s\nNERVESYS_POSTGRES_USER=${env:ORCH_PG_USER}\n"));
        int port = TestAgents.freePort();
        running.add(Orchestrators.start("orch", tmp.resolve("orch"), config, port, db, upstream.uri(),
                Map.of("ORCH_PG_USER", PgDatabase.USER), Map.of("nervesys.rollout.canary", "edge-canary", "nervesys.rollout.soak", "1h")));
        String token = Orchestrators.createToken(db, "edge", 2);
        Agent canary = TestAgents.start(Orchestrators.agentFlags("canary", tmp.resolve("canary")),
                Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + port));
        running.add(canary);
        Agent other = TestAgents.start(Orchestrators.agentFlags("other", tmp.resolve("other")),
                Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + port));
        running.add(other);

        upstream.write("routes/tick.camel.yaml", "- route:\n    id: tick\n    from:\n      uri: timer:tick\n      parameters:\n"
                + "        period: 60000\n      steps:\n        - log: tick\n");
        String c2 = upstream.commit("a tick");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            canary.syncNow();
            assertThat(canary.state().applied().id()).isEqualTo(c2);
        });
        // the canary runs it healthy, the soak (an hour) is far from over: the other agent stays on c1
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Orchestrators.cli("rollout", "list", "--postgres", Orchestrators.cliUrl(db)).out())
                        .containsPattern(c2 + " +canary .* 20\\d\\d-"));
        other.syncNow();
        assertThat(other.state().applied().id()).isEqualTo(c1);

        Orchestrators.Result promote = Orchestrators.cli("rollout", "promote", c2.substring(0, 8), "--postgres", Orchestrators.cliUrl(db));
        assertThat(promote.code()).as(promote.err()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            other.syncNow();
            assertThat(other.state().applied().id()).isEqualTo(c2);
        });
        assertThat(canary.state().applied().id()).isEqualTo(c2);
        assertThat(Orchestrators.cli("rollout", "list", "--postgres", Orchestrators.cliUrl(db)).out())
                .containsPattern(c2 + " +promoted .*promoted by command");
    }
}
