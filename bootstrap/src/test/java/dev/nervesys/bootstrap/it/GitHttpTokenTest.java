package dev.nervesys.bootstrap.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The config repo over smart HTTP(S) with a token, as in production: {@link GitHttpServer} serves
 * the bare repo over HTTPS (self-signed certificate) behind Basic auth, and real agents follow it
 * with {@code NERVESYS_GIT_TOKEN}. Checked: the first commit and a pushed change are applied; the
 * server sees the configured user and the token; a wrong token, missing token, untrusted
 * certificate or password in the URL end in a clear sync error; and no secret shows in the sync
 * error, the console, the health check, the log or the data dir.
 */
class GitHttpTokenTest extends OneAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "ghp_GoodToken0123456789abcdefABCDEF";
    private static final String WRONG = "ghp_WrongToken9876543210fedcbaFEDCBA";

    private ConfigRepo repo;
    private GitHttpServer server;
    private SSLContext jvmDefaultContext;
    private SSLSocketFactory jvmDefaultFactory;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Level jgitLevel;

    @BeforeEach
    void serveTheRepoOverHttps() throws Exception {
        repo = new ConfigRepo(tmp.resolve("repo"));
        server = GitHttpServer.https(tmp.resolve("tls"), TOKEN).serve("fleet", repo.bare());
        // what -Djavax.net.ssl.trustStore=<the server's certificate> does at JVM start, for this
        // JVM that already made its default TLS context (aJvmTrustStoreFlagIsEnough runs the flag)
        jvmDefaultContext = SSLContext.getDefault();
        jvmDefaultFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        trust(server.trustingContext());

        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        // JGit's own debug log too, which production keeps at WARN
        Logger jgit = (Logger) LoggerFactory.getLogger("org.eclipse.jgit");
        jgitLevel = jgit.getLevel();
        jgit.setLevel(Level.DEBUG);
    }

    @AfterEach
    void stopServerAndRestoreTrust() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        ((Logger) LoggerFactory.getLogger("org.eclipse.jgit")).setLevel(jgitLevel);
        trust(jvmDefaultContext);
        HttpsURLConnection.setDefaultSSLSocketFactory(jvmDefaultFactory);
        server.close();
        repo.close();
    }

    private static void trust(SSLContext context) {
        SSLContext.setDefault(context);
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
    }

    @Test
    void followsTheRepoOverHttpsWithTheToken() throws Exception {
        String c1 = commitMarker("v1");
        int port = TestAgents.freePort();
        agent = TestAgents.start(flags("agent-https", port, server.url("fleet")), Map.of("NERVESYS_GIT_TOKEN", TOKEN));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "v1".equals(marker()));

        // a change pushed to the served repo arrives at the next poll, over HTTPS again
        String c2 = commitMarker("v2");
        awaitApplied(c2);
        await().atMost(Duration.ofSeconds(10)).until(() -> "v2".equals(marker()));

        JsonNode config = console(port).path("config");
        assertThat(config.path("source").asText()).isEqualTo("git " + server.url("fleet") + " branch main");
        assertThat(config.path("appliedRevision").asText()).isEqualTo(c2);
        assertThat(config.has("syncError")).isFalse();
        assertNoSecretShown(port, TOKEN);

        // stopped, so that no poll is half-way through the requests looked at
        agent.close();
        agent = null;
        List<GitHttpServer.Request> requests = server.requests();
        // JGit asks for protocol v2, sends nothing until challenged, then the user and the token
        assertThat(requests).allSatisfy(r -> assertThat(r.gitProtocol()).isEqualTo("version=2"));
        assertThat(requests.get(0)).satisfies(r -> {
            assertThat(r.path()).isEqualTo("/fleet.git/info/refs");
            assertThat(r.query()).isEqualTo("service=git-upload-pack");
            assertThat(r.user()).isNull();
            assertThat(r.status()).isEqualTo(401);
        });
        List<GitHttpServer.Request> authenticated = requests.stream().filter(r -> r.user() != null).toList();
        assertThat(authenticated).allSatisfy(r -> {
            assertThat(r.user()).isEqualTo("x-access-token");
            assertThat(r.passwordMatched()).isTrue();
            assertThat(r.status()).isEqualTo(200);
        });
        // every fetch (the first, and one per poll since) is challenged before the token is sent
        long challenged = requests.stream().filter(r -> r.user() == null && r.status() == 401).count();
        assertThat(authenticated).filteredOn(r -> r.method().equals("GET"))
                .allSatisfy(r -> assertThat(r.path() + "?" + r.query()).isEqualTo("/fleet.git/info/refs?service=git-upload-pack"))
                .hasSize((int) challenged).hasSizeGreaterThanOrEqualTo(2);
        // ls-refs and fetch, the request bodies gzipped
        assertThat(authenticated).filteredOn(r -> r.method().equals("POST")).isNotEmpty().allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/fleet.git/git-upload-pack");
            assertThat(r.contentEncoding()).isEqualTo("gzip");
        });
        assertThat(server.errors()).isEmpty();
    }

    @Test
    void sendsTheConfiguredGitUser() throws Exception {
        String c1 = commitMarker("gitlab");
        Properties flags = flags("agent-gitlab", TestAgents.freePort(), server.url("fleet"));
        flags.setProperty("nervesys.config.gitUser", "oauth2");
        agent = TestAgents.start(flags, Map.of("NERVESYS_GIT_TOKEN", TOKEN));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(server.requests().stream().map(GitHttpServer.Request::user).filter(u -> u != null).distinct())
                .containsExactly("oauth2");
        assertThat(server.requests()).filteredOn(r -> r.user() != null).allMatch(GitHttpServer.Request::passwordMatched);
    }

    @Test
    void aWrongTokenIsAClearSyncErrorAndTheLastGoodRevisionRuns() throws Exception {
        String c1 = commitMarker("good");

        // a new agent with a wrong token: nothing to run, and it says why
        int port = TestAgents.freePort();
        Properties flags = flags("agent-wrong", port, server.url("fleet"));
        agent = TestAgents.start(flags, Map.of("NERVESYS_GIT_TOKEN", WRONG));
        assertThat(agent.state().applied()).isNull();
        String error = agent.state().syncError();
        assertThat(error).isEqualTo("TransportException: " + server.url("fleet") + ": not authorized;"
                + " check NERVESYS_GIT_TOKEN and nervesys.config.gitUser (x-access-token)");
        assertThat(console(port).path("config").path("syncError").asText()).isEqualTo(error);
        assertThat(logged()).contains("unreachable at start: " + error.substring("TransportException: ".length()));
        assertThat(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null).body())
                .contains("no config revision applied yet").contains("not authorized");
        // the token was sent, with the default user, and refused
        assertThat(server.requests()).filteredOn(r -> r.user() != null).isNotEmpty()
                .allSatisfy(r -> assertThat(r.user()).isEqualTo("x-access-token"))
                .noneMatch(GitHttpServer.Request::passwordMatched);
        assertNoSecretShown(port, WRONG);
        agent.close();
        agent = null;

        // once started with the right token, then restarted with a wrong one: the last good runs
        agent = TestAgents.start(flags, Map.of("NERVESYS_GIT_TOKEN", TOKEN));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        agent.close();
        agent = null;
        commitMarker("never fetched");
        Files.deleteIfExists(tmp.resolve("markers/marker.txt"));
        agent = TestAgents.start(flags, Map.of("NERVESYS_GIT_TOKEN", WRONG));
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.state().syncError()).isEqualTo(error);
        await().atMost(Duration.ofSeconds(10)).until(() -> "good".equals(marker()));
        // and each poll tries again (a first request, then three with the token) and says the same
        int before = server.requests().size();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests().size() >= before + 4);
        assertThat(server.requests().subList(before, server.requests().size()))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(401));
        assertThat(agent.state().lastSync()).isNull();
        assertThat(agent.state().syncError()).isEqualTo(error);
        assertNoSecretShown(port, WRONG);
        assertNoSecretShown(port, TOKEN);
    }

    @Test
    void withoutATokenTheErrorSaysWhatIsMissing() throws Exception {
        commitMarker("x");
        int port = TestAgents.freePort();
        agent = TestAgents.start(flags("agent-notoken", port, server.url("fleet")), Map.of());
        assertThat(agent.state().applied()).isNull();
        assertThat(agent.state().syncError()).isEqualTo("TransportException: " + server.url("fleet")
                + ": Authentication is required but no CredentialsProvider has been registered;"
                + " set NERVESYS_GIT_TOKEN (sent as user x-access-token, nervesys.config.gitUser)");
        assertThat(server.requests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.user()).isNull();
            assertThat(r.status()).isEqualTo(401);
        });
    }

    @Test
    void credentialsInTheUrlWorkAndAreNeverShown() throws Exception {
        String c1 = commitMarker("url");
        int port = TestAgents.freePort();
        Properties flags = flags("agent-url", port, server.url("fleet", "deploy:" + TOKEN));
        agent = TestAgents.start(flags, Map.of());
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(server.requests()).filteredOn(r -> r.user() != null).isNotEmpty()
                .allSatisfy(r -> assertThat(r.user()).isEqualTo("deploy"))
                .allMatch(GitHttpServer.Request::passwordMatched);
        // GitSource describes the URL without user and password
        assertThat(console(port).path("config").path("source").asText())
                .isEqualTo("git " + server.url("fleet") + " branch main");
        assertNoSecretShown(port, TOKEN);
        agent.close();
        agent = null;

        // a wrong password in the URL: JGit's message keeps the user, never the password
        flags.setProperty("nervesys.config.repo", server.url("fleet", "deploy:" + WRONG));
        agent = TestAgents.start(flags, Map.of());
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        assertThat(agent.state().syncError()).isEqualTo("TransportException: " + server.url("fleet", "deploy")
                + ": Authentication is required but no CredentialsProvider has been registered;"
                + " check the user and password in nervesys.config.repo");
        assertNoSecretShown(port, WRONG);
        assertNoSecretShown(port, TOKEN);
    }

    @Test
    void anUntrustedCertificateIsRefused() throws Exception {
        commitMarker("x");
        trust(jvmDefaultContext);
        HttpsURLConnection.setDefaultSSLSocketFactory(jvmDefaultFactory);
        int port = TestAgents.freePort();
        agent = TestAgents.start(flags("agent-untrusted", port, server.url("fleet")), Map.of("NERVESYS_GIT_TOKEN", TOKEN));
        assertThat(agent.state().applied()).isNull();
        assertThat(agent.state().syncError()).isEqualTo("TransportException: " + server.url("fleet")
                + ": Secure connection to " + server.url("fleet") + " could not be established because of SSL problems;"
                + " SunCertPathBuilderException: unable to find valid certification path to requested target");
        // refused in the TLS handshake: the token never left the agent
        assertThat(server.requests()).isEmpty();
        assertNoSecretShown(port, TOKEN);
    }

    /**
     * The way an operator trusts a private CA, in a JVM of its own: {@code -Djavax.net.ssl.trustStore}
     * (and its password and type) on the command line, read by the JDK's default TLS context,
     * which JGit's HTTP connections use. GitSource fetches with it and fails without it.
     */
    @Test
    void aJvmTrustStoreFlagIsEnough() throws Exception {
        String c1 = commitMarker("jvm");
        String trusted = runFetchOnce(tmp.resolve("mirror-trusted"), "-Djavax.net.ssl.trustStore=" + server.trustStore(),
                "-Djavax.net.ssl.trustStorePassword=" + GitHttpServer.STORE_PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12");
        assertThat(trusted).contains("revision " + c1);
        String untrusted = runFetchOnce(tmp.resolve("mirror-untrusted"));
        assertThat(untrusted).contains("error TransportException").contains("because of SSL problems;")
                .contains("unable to find valid certification path").doesNotContain("revision ");
        assertThat(trusted + untrusted).doesNotContain(TOKEN);
    }

    private String runFetchOnce(Path mirror, String... jvmFlags) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1"); // starts faster
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GitFetchOnce.class.getName(),
                server.url("fleet"), mirror.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("NERVESYS_GIT_TOKEN", TOKEN);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private Properties flags(String agentId, int port, String url) {
        return TestAgents.flags(agentId, tmp.resolve("data"), url, port);
    }

    private String commitMarker(String body) throws Exception {
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", body, "marker.txt"));
        return repo.commit("marker " + body);
    }

    private String marker() throws Exception {
        Path p = tmp.resolve("markers/marker.txt");
        return Files.exists(p) ? Files.readString(p) : null;
    }

    private void awaitApplied(String commit) {
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().applied() != null
                && commit.equals(agent.state().applied().id()));
    }

    private JsonNode console(int port) throws Exception {
        HttpResponse<String> r = TestAgents.get(port, "/q/dev/nervesys", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode root = JSON.readTree(r.body());
        return root.has("nervesys") ? root.get("nervesys") : root;
    }

    /** Everything logged since the test began, JGit's debug output included. */
    private String logged() {
        // ListAppender appends under its own lock (AppenderBase.doAppend is synchronized) from the
        // agent's threads: copy under that lock, or a log line written meanwhile breaks the stream
        List<ILoggingEvent> events;
        synchronized (log) {
            events = new ArrayList<>(log.list);
        }
        return events.stream().map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))
                .collect(Collectors.joining("\n"));
    }

    /** The secret is nowhere: sync state, console, health check, the log so far, the data dir. */
    private void assertNoSecretShown(int port, String secret) throws Exception {
        assertThat(String.valueOf(agent.state().toMap())).doesNotContain(secret);
        assertThat(TestAgents.get(port, "/q/dev/nervesys", null, null).body()).doesNotContain(secret);
        assertThat(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null).body())
                .doesNotContain(secret);
        assertThat(logged()).isNotEmpty().doesNotContain(secret);
        try (Stream<Path> files = Files.walk(tmp.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(secret);
            }
        }
    }
}
