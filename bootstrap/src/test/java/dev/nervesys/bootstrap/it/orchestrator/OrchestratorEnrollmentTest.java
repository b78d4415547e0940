package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
import dev.nervesys.orchestrator.OrchestratorStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Enrollment end to end with real parts: two orchestrators (the jar's runtime in the orchestrator
 * role) on one PostgreSQL, a real upstream Git repository, and real agents started with nothing but
 * a token and the orchestrator's URL.
 */
class OrchestratorEnrollmentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "group-secret-7f3a9c";

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private final List<Agent> running = new ArrayList<>();
    private int portA;
    private int portB;
    private Path orchestratorConfig;
    private Map<String, String> orchestratorEnv;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orch_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml", "routes/heartbeat.camel.yaml")
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("routes/hello.camel.yaml", marker("hello-1"));
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("orchestrator-config"), Map.of("edge",
                "agentId=edge-{host}\n"
                        + "nervesys.demo.message=configured by group edge\n"
                        + "nervesys.postgres.url=" + db.url() + "\n"
                        + "nervesys.heartbeat.interval=1s\n"
                        + "NERVESYS_POSTGRES_USER=${env:ORCH_PG_USER}\n"
                        + "EXAMPLE_API_KEY=${env:ORCH_EXAMPLE_KEY}\n"));
        Map<String, String> env = Map.of("ORCH_PG_USER", PgDatabase.USER, "ORCH_EXAMPLE_KEY", SECRET);
        orchestratorConfig = config;
        orchestratorEnv = env;
        portA = TestAgents.freePort();
        portB = TestAgents.freePort();
        // staged rollouts off here (OrchestratorRolloutTest has them): every commit goes to every agent at once
        Map<String, String> flags = Map.of("nervesys.rollout.canary", "none");
        running.add(Orchestrators.start("orch-a", tmp.resolve("orch-a"), config, portA, db, upstream.uri(), env, flags));
        running.add(Orchestrators.start("orch-b", tmp.resolve("orch-b"), config, portB, db, upstream.uri(), env, flags));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        upstream.close();
        db.close();
    }

    private static String marker(String text) {
        return """
                - route:
                    id: hello
                    from:
                      uri: timer:hello
                      parameters:
                        period: 100
                      steps:
                        - setBody:
                            constant: "%s"
                        - to:
                            uri: "file:{{nervesys.test.markerDir}}"
                            parameters:
                              fileName: hello.txt
                              fileExist: Override
                """.formatted(text);
    }

    private Agent agent(Properties flags, Map<String, String> env) throws Exception {
        Agent a = TestAgents.start(flags, env);
        running.add(a);
        return a;
    }

    private void stop(Agent a) {
        a.close();
        running.remove(a);
    }

    @Test
    void anAgentEnrollsOnceWithOneTokenAndFetchesItsConfigThroughEitherOrchestrator() throws Exception {
        String c1 = upstream.commit("hello 1");
        assertThat(running.get(0).routeIds()).containsExactly("orchestrator-api-agents", "orchestrator-api-audit",
                "orchestrator-api-revisions", "orchestrator-api-rollouts", "orchestrator-api-tokens", "orchestrator-enroll", "orchestrator-git", "orchestrator-heartbeat",
                "orchestrator-mirror-poll", "orchestrator-refresh", "orchestrator-rollout-check", "orchestrator-wait", "orchestrator-webhook");
        String token = Orchestrators.createToken(db, "edge", 1);
        assertThat(token).startsWith("nvt_");

        Path data = tmp.resolve("agent-data");
        Properties flags = Orchestrators.agentFlags("host-1", data);
        Agent agent = agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portA));
        assertThat(agent.settings().agentId()).isEqualTo("edge-host-1");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.settings().get("nervesys.demo.message", "")).isEqualTo("configured by group edge");
        assertThat(agent.settings().secret("EXAMPLE_API_KEY")).contains(SECRET);

        // the grant: readable by the agent's user only; never in Camel's properties or the console
        Path grant = Enrollment.file(data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(grant))).isEqualTo("rw-------");
        String credential = JSON.readTree(grant.toFile()).path("credential").asText();
        assertThat(credential).startsWith("nva_");
        assertThat(agent.context().getPropertiesComponent().loadProperties().values())
                .noneMatch(v -> v.toString().contains(SECRET) || v.toString().contains(credential));
        int management = Integer.parseInt(flags.getProperty("camel.management.port"));
        String console = TestAgents.get(management, "/q/dev/nervesys", null, null).body();
        assertThat(console).contains("edge-host-1").doesNotContain(SECRET).doesNotContain(credential).doesNotContain(token);

        // restart through the other orchestrator: no second enrollment (the token has no use left), same identity
        stop(agent);
        agent = agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portB));
        assertThat(agent.settings().agentId()).isEqualTo("edge-host-1");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(JSON.readTree(grant.toFile()).path("credential").asText()).isEqualTo(credential);

        // a new upstream commit reaches the agent through orchestrator B's mirror
        upstream.write("routes/hello.camel.yaml", marker("hello-2"));
        String c2 = upstream.commit("hello 2");
        Agent a = agent;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            a.syncNow();
            assertThat(a.state().applied().id()).isEqualTo(c2);
        });
        // the marker file is missing until the route's timer writes it (and for an instant while it rewrites it):
        // awaitility retries only assertion errors unless told
        await().atMost(Duration.ofSeconds(10)).ignoreException(java.nio.file.NoSuchFileException.class).untilAsserted(() ->
                assertThat(Files.readString(tmp.resolve("markers/hello.txt"))).isEqualTo("hello-2"));

        // each orchestrator fetched upstream once per commit; its other checks were ref listings only
        for (Agent orchestrator : running.subList(0, 2)) {
            ConfigMirror mirror = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(c2));
            assertThat(mirror.fetches()).isEqualTo(2);
            assertThat(mirror.status()).containsEntry("mirroredCommit", c2);
        }

        // the enrollment was audited once; the second orchestrator shares the state
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM orchestrator_audit WHERE event = 'enroll'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void expiredUsedUpUnknownAndMalformedEnrollmentsGetClearErrors() throws Exception {
        upstream.commit("hello 1");
        String token = Orchestrators.createToken(db, "edge", 1);
        HttpResponse<String> ok = Orchestrators.post(portA, "/v1/enroll", "{\"token\":\"" + token + "\",\"host\":\"h9\"}", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode grant = JSON.readTree(ok.body());
        assertThat(grant.path("agentId").asText()).isEqualTo("edge-h9");
        assertThat(grant.path("config").path("path").asText()).isEqualTo("/git/config");
        assertThat(grant.path("secrets").path("EXAMPLE_API_KEY").asText()).isEqualTo(SECRET);

        HttpResponse<String> usedUp = Orchestrators.post(portB, "/v1/enroll", "{\"token\":\"" + token + "\",\"host\":\"h10\"}", null);
        assertThat(usedUp.statusCode()).isEqualTo(410);
        assertThat(JSON.readTree(usedUp.body()).path("error").asText()).contains("is used up (1 of 1 uses)");

        HttpResponse<String> unknown = Orchestrators.post(portA, "/v1/enroll", "{\"token\":\"nvt_nope\",\"host\":\"h11\"}", null);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).startsWith("unknown enrollment token");

        HttpResponse<String> malformed = Orchestrators.post(portA, "/v1/enroll", "token=abc", null);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("error").asText()).contains("expected a JSON object");

        String other = Orchestrators.createToken(db, "nosuchgroup", 1);
        HttpResponse<String> noGroup = Orchestrators.post(portA, "/v1/enroll", "{\"token\":\"" + other + "\",\"host\":\"h12\"}", null);
        assertThat(noGroup.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(noGroup.body()).path("error").asText())
                .isEqualTo("group nosuchgroup is not defined on the orchestrator (config/groups/nosuchgroup.properties)");

        // an agent whose token is refused does not start, and says why
        Properties flags = Orchestrators.agentFlags("host-2", tmp.resolve("agent-2"));
        assertThatThrownBy(() -> agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portA)))
                .isInstanceOf(Agent.StartRefused.class)
                .hasMessageContaining("enrollment refused by orchestrator http://127.0.0.1:" + portA + " (HTTP 410)")
                .hasMessageContaining("used up");
        assertThat(Files.exists(Enrollment.file(tmp.resolve("agent-2")))).isFalse();

        Orchestrators.Result audit = Orchestrators.cli("token", "list", "--postgres", Orchestrators.cliUrl(db));
        assertThat(audit.code()).isZero();
        assertThat(audit.out()).contains("edge").contains("nosuchgroup").doesNotContain(token);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status FROM orchestrator_audit WHERE event = 'enroll-refused' ORDER BY id")) {
            List<Integer> statuses = new ArrayList<>();
            while (rs.next()) {
                statuses.add(rs.getInt(1));
            }
            assertThat(statuses).containsExactly(410, 401, 409, 410);
        }
    }

    @Test
    void aRevokedAgentIsRefusedByEveryOrchestratorUntilItGetsANewToken() throws Exception {
        String c1 = upstream.commit("hello 1");
        Path data = tmp.resolve("agent-data");
        Properties flags = Orchestrators.agentFlags("host-1", data);
        String token = Orchestrators.createToken(db, "edge", 1);
        Agent agent = agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portA));
        String credential = JSON.readTree(Enrollment.file(data).toFile()).path("credential").asText();
        // its heartbeats go where its group says: the orchestrators' PostgreSQL
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Orchestrators.cli("fleet", "--postgres", db.url()).out()).contains("edge-host-1"));

        // both orchestrators know the credential and check it in memory (no database read per request)
        String refsPath = "/git/config/info/refs?service=git-upload-pack";
        OrchestratorStore storeB = running.get(1).context().getRegistry().lookupByNameAndType("orchestratorStore", OrchestratorStore.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> (Boolean) running.get(1).context().getRegistry()
                .lookupByNameAndType("orchestratorMirror", ConfigMirror.class).status().get("cachesLive"));
        assertThat(TestAgents.get(portB, refsPath, "edge-host-1", credential).body()).doesNotContain("ERR");
        long readsB = storeB.credentialReads();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = TestAgents.get(portB, refsPath, "edge-host-1", credential);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("refs/heads/main").doesNotContain("ERR");
        }
        assertThat(storeB.credentialReads()).isEqualTo(readsB);

        Orchestrators.Result revoke = Orchestrators.cli("agents", "revoke", "edge-host-1", "--postgres", Orchestrators.cliUrl(db));
        assertThat(revoke.code()).isZero();
        assertThat(revoke.out()).contains("agent edge-host-1 revoked");
        assertThat(Orchestrators.cli("agents", "revoke", "edge-nobody", "--postgres", Orchestrators.cliUrl(db)).code()).isEqualTo(4);

        // its next config fetch is refused with the reason; it keeps running its last good revision
        agent.syncNow();
        assertThat(agent.state().syncError()).contains("agent edge-host-1 was revoked at").contains("enroll it again with a new token");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        int management = Integer.parseInt(flags.getProperty("camel.management.port"));
        assertThat(TestAgents.get(management, "/q/dev/nervesys", null, null).body()).contains("was revoked at");
        assertThat(Orchestrators.cli("fleet", "--postgres", db.url()).out()).containsPattern("edge-host-1 .*REVOKED");
        assertThat(Orchestrators.cli("agents", "list", "--postgres", Orchestrators.cliUrl(db)).out())
                .containsPattern("edge-host-1 .* 20\\d\\d-");

        // the other orchestrator refuses it too (its memory forgot the agent at the revoke's notification);
        // no credential at all gets a challenge
        HttpResponse<String> refs = TestAgents.get(portB, refsPath, "edge-host-1", credential);
        assertThat(refs.statusCode()).isEqualTo(200);
        assertThat(refs.body()).contains("ERR agent edge-host-1 was revoked at");
        HttpResponse<String> anonymous = TestAgents.get(portB, "/git/config/info/refs?service=git-upload-pack", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(TestAgents.get(portB, "/git/config/info/refs?service=git-upload-pack", "edge-host-1", "nva_wrong").statusCode())
                .isEqualTo(401);

        // a restart refreshes the enrollment first: refused, with what to do
        stop(agent);
        assertThatThrownBy(() -> agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "http://127.0.0.1:" + portB)))
                .isInstanceOf(Agent.StartRefused.class)
                .hasMessageContaining("orchestrator http://127.0.0.1:" + portB + " refused agent edge-host-1 (HTTP 403)")
                .hasMessageContaining("to enroll again set NERVESYS_ENROLL_TOKEN to a new token");

        // a new token enrolls it again, with a new credential
        String fresh = Orchestrators.createToken(db, "edge", 1);
        agent = agent(flags, Map.of(Enrollment.TOKEN_ENV, fresh, Enrollment.URL_ENV, "http://127.0.0.1:" + portB));
        assertThat(agent.settings().agentId()).isEqualTo("edge-host-1");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.state().syncError()).isNull();
        assertThat(JSON.readTree(Enrollment.file(data).toFile()).path("credential").asText()).isNotEqualTo(credential);
    }

    @Test
    void agentsKeepTheirLastGoodRevisionWhileTheOrchestratorsAreDownAndReconnect() throws Exception {
        String c1 = upstream.commit("hello 1");
        Path data = tmp.resolve("agent-data");
        Properties flags = Orchestrators.agentFlags("host-1", data);
        Map<String, String> env = Map.of(Enrollment.TOKEN_ENV, Orchestrators.createToken(db, "edge", 1),
                Enrollment.URL_ENV, "http://127.0.0.1:" + portA);
        Agent agent = agent(flags, env);
        assertThat(agent.state().applied().id()).isEqualTo(c1);

        // both orchestrators down
        running.get(1).close();
        running.get(0).close();
        running.remove(1);
        running.remove(0);
        agent.syncNow();
        assertThat(agent.state().syncError()).isNotNull();
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.routeIds()).contains("hello");

        // a restart meanwhile: the stored grant and the last good revision
        stop(agent);
        agent = agent(flags, env);
        assertThat(agent.settings().agentId()).isEqualTo("edge-host-1");
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.routeIds()).contains("hello");

        // an orchestrator is back: the agent fetches the new commit through it
        running.add(0, Orchestrators.start("orch-a", tmp.resolve("orch-a"), orchestratorConfig, portA, db, upstream.uri(),
                orchestratorEnv, Map.of("nervesys.rollout.canary", "none")));
        upstream.write("routes/hello.camel.yaml", marker("hello-2"));
        String c2 = upstream.commit("hello 2");
        Agent a = agent;
        // nothing nudges the agent: its own poll and long-poll reconnect
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(a.state().applied().id()).isEqualTo(c2));
        assertThat(a.state().syncError()).isNull();
        dev.nervesys.orchestrator.LongPoll longPoll = running.get(0).context().getRegistry()
                .lookupByNameAndType("orchestratorWait", dev.nervesys.orchestrator.LongPoll.class);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(longPoll.waiting()).as("its long-poll is held again").isEqualTo(1));
    }
}
