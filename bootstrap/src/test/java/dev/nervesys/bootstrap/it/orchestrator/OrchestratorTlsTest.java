package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.common.PinnedTls;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
import dev.nervesys.orchestrator.LongPoll;
import dev.nervesys.orchestrator.OrchestratorTls;
import dev.nervesys.orchestrator.Secrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
 * TLS on the orchestrator's port with its self-signed certificate (docs/orchestrator.md, "TLS"):
 * two orchestrators on one database present the same certificate, {@code token create} prints its
 * fingerprint and puts it in the token, an agent with the right pin enrolls and then fetches its
 * config and long-polls over TLS, a wrong pin or none is refused with a clear error, and an
 * enrolled agent refuses an orchestrator that presents another certificate afterwards.
 */
class OrchestratorTlsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private PgDatabase db;
    private ConfigRepo upstream;
    private final List<Agent> running = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private Agent orchestrator(String name, Path config, int port) throws Exception {
        Agent o = Orchestrators.start(name, tmp.resolve(name), config, port, db, upstream.uri(), Map.of(),
                Map.of("nervesys.rollout.canary", "none", "nervesys.orchestrator.tls.selfSigned", "true"));
        running.add(o);
        return o;
    }

    private Agent agent(Properties flags, Map<String, String> env) throws Exception {
        Agent a = TestAgents.start(flags, env);
        running.add(a);
        return a;
    }

    /** The fingerprint of the certificate the server at {@code port} presents (any certificate accepted, for the test's eyes only). */
    private static String presented(int port) throws Exception {
        javax.net.ssl.SSLContext any = javax.net.ssl.SSLContext.getInstance("TLS");
        String[] seen = new String[1];
        any.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
                seen[0] = PinnedTls.fingerprint(c[0]);
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLSession session = s.getSession();
            assertThat(session.isValid()).isTrue();
        }
        return seen[0];
    }

    @Test
    void agentsPinTheSelfSignedCertificateAndRefuseAnyOther() throws Exception {
        db = new PgDatabase("orchtls_");
        upstream = new ConfigRepo(tmp.resolve("upstream"));
        upstream.copyFromProject("routes/errors.camel.yaml");
        String c1 = upstream.commit("first");
        Path config = Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n"));
        int portA = TestAgents.freePort();
        int portB = TestAgents.freePort();
        Agent a = orchestrator("orch-a", config, portA);
        Agent b = orchestrator("orch-b", config, portB);

        // one certificate for both orchestrators (made by the first, read by the second)
        String fingerprint = a.context().getRegistry().lookupByNameAndType("orchestratorTls", OrchestratorTls.class).fingerprint();
        assertThat(fingerprint).matches("[0-9a-f]{64}");
        assertThat(presented(portA)).isEqualTo(fingerprint);
        assertThat(presented(portB)).isEqualTo(fingerprint);
        // HTTPS only: a plain HTTP request gets no answer
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/v1/enroll"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.io.IOException.class);

        // token create prints the fingerprint and puts it in the token
        Orchestrators.Result created = Orchestrators.cli("token", "create", "--group", "edge", "--uses", "3", "--ttl", "1h",
                "--postgres", Orchestrators.cliUrl(db));
        assertThat(created.code()).isZero();
        String token = created.out().strip();
        assertThat(token).startsWith("nvt_").endsWith("." + fingerprint);
        assertThat(created.err()).contains("orchestrator certificate SHA-256 " + PinnedTls.display(fingerprint));

        // a wrong fingerprint: refused before anything is sent, with what to check; nothing stored
        String wrong = "ab".repeat(32);
        Properties badFlags = Orchestrators.agentFlags("tls-bad", tmp.resolve("agent-bad"));
        assertThatThrownBy(() -> agent(badFlags, Map.of(Enrollment.TOKEN_ENV, Secrets.tokenSecret(token),
                Enrollment.FINGERPRINT_ENV, PinnedTls.display(wrong), Enrollment.URL_ENV, "https://127.0.0.1:" + portA)))
                .isInstanceOf(Agent.StartRefused.class)
                .hasMessageContaining("cannot enroll: the orchestrator presented the certificate with SHA-256 fingerprint "
                        + PinnedTls.display(fingerprint) + ", not the pinned " + PinnedTls.display(wrong))
                .hasMessageContaining("refusing it");
        assertThat(Files.exists(Enrollment.file(tmp.resolve("agent-bad")))).isFalse();
        // no pin at all: the JDK does not trust a self-signed certificate, and the message says what to do
        Properties noPinFlags = Orchestrators.agentFlags("tls-nopin", tmp.resolve("agent-nopin"));
        assertThatThrownBy(() -> agent(noPinFlags, Map.of(Enrollment.TOKEN_ENV, Secrets.tokenSecret(token),
                Enrollment.URL_ENV, "https://127.0.0.1:" + portB)))
                .isInstanceOf(Agent.StartRefused.class)
                .hasMessageContaining("set " + Enrollment.FINGERPRINT_ENV);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT uses FROM orchestrator_tokens")) {
            rs.next();
            assertThat(rs.getInt(1)).as("refused handshakes used no token").isZero();
        }

        // the right one (in the token): enrolls over TLS, fetches its config with Git over TLS, long-polls over TLS
        Path data = tmp.resolve("agent");
        Properties flags = Orchestrators.agentFlags("tls-1", data);
        flags.setProperty("nervesys.config.pollSeconds", "3600");
        Agent agent = agent(flags, Map.of(Enrollment.TOKEN_ENV, token, Enrollment.URL_ENV, "https://127.0.0.1:" + portA));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(JSON.readTree(Enrollment.file(data).toFile()).path("fingerprint").asText()).isEqualTo(fingerprint);
        LongPoll longPoll = a.context().getRegistry().lookupByNameAndType("orchestratorWait", LongPoll.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(longPoll.waiting()).as("held over TLS").isEqualTo(1));
        upstream.write("routes/hello.camel.yaml", "- route:\n    id: hello\n    from:\n      uri: timer:hello\n      parameters:\n"
                + "        period: 60000\n      steps:\n        - log: hi\n");
        String c2 = upstream.commit("second");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(agent.state().applied().id()).isEqualTo(c2));
        assertThat(agent.state().syncError()).isNull();

        // both orchestrators replaced by ones with another certificate: the enrolled agent refuses them and keeps c2
        for (Agent o : List.of(a, b)) {
            o.close();
            running.remove(o);
        }
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM orchestrator_tls");
        }
        Agent impostor = orchestrator("orch-c", config, portA);
        String other = impostor.context().getRegistry().lookupByNameAndType("orchestratorTls", OrchestratorTls.class).fingerprint();
        assertThat(other).isNotEqualTo(fingerprint);
        ConfigMirror mirror = impostor.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
        upstream.write("routes/hello.camel.yaml", "- route:\n    id: hello\n    from:\n      uri: timer:hello\n      parameters:\n"
                + "        period: 30000\n      steps:\n        - log: hi\n");
        String c3 = upstream.commit("third");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(c3));
        agent.syncNow();
        assertThat(agent.state().syncError()).contains("not the pinned " + PinnedTls.display(fingerprint));
        assertThat(agent.state().applied().id()).isEqualTo(c2);
    }
}
