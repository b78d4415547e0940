package dev.nervesys.bootstrap.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.live.LiveServer;
import org.apache.camel.Route;
import org.apache.camel.component.netty.http.NettyHttpEndpoint;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.console.DevConsole;
import org.apache.camel.console.DevConsoleRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The attack suite of docs/security.md: one agent with every secret set, its endpoints enumerated
 * from the running context (the routes' HTTP consumers on the ingest port, the management server's
 * registered paths and dev consoles, the live server's paths), each asked without credentials,
 * with wrong ones and with each role, and the status it must get; then the secret grep: after a
 * run that used every secret, no secret value appears in the log (DEBUG and finer), any dev
 * console, metrics, health, Jolokia's reading of every Camel MBean, or any file in the data dir
 * (heartbeat rows, snapshots, state).
 */
class AttackSuiteTest extends OneAgentTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String INGEST_TOKEN = "ingest-S3cr3t-7a1f0e";
    private static final String LIVE_TOKEN = "live-S3cr3t-2b9c4d";
    private static final String VIEWER_PW = "viewer-S3cr3t-44d0";
    private static final String OPERATOR_PW = "operator-S3cr3t-81ab";
    private static final String ADMIN_PW = "admin-S3cr3t-c3e5";
    private static final String S3_ACCESS = "AKIAS3cr3tACCESS91";
    private static final String S3_SECRET = "s3-S3cr3t-secret-key-0c7e";
    private static final String GIT_TOKEN = "ghp_S3cr3tGitToken0123456789abc";
    private static final List<String> SECRETS = List.of(INGEST_TOKEN, LIVE_TOKEN, VIEWER_PW, OPERATOR_PW, ADMIN_PW,
            S3_ACCESS, S3_SECRET, GIT_TOKEN);

    /**
     * Ingest paths open without a token on purpose, and why: none returns data or does work.
     * Every other HTTP consumer the routes add to the ingest port must refuse a request without a token.
     */
    private static final Map<String, String> INGEST_OPEN = Map.of(
            "/ping", "InfluxDB clients probe it before writing; answers 204 and a version header",
            "/query", "Telegraf's CREATE DATABASE at start; answers an empty result, reads nothing",
            "/health", "liveness for load balancers: status only",
            "/ready", "readiness for load balancers: status only");

    /**
     * Operator actions on the management port (docs/security.md, "Roles"), by method and path as the
     * walk names them ({@code nervesys} for a path parameter), with a valid body each.
     */
    private static final Map<String, String> OPERATOR_ACTIONS = Map.of(
            "POST /q/nervesys/silences", "{\"match\": {\"rule\": \"attack-suite\"}, \"for\": \"10m\", \"comment\": \"walk\"}",
            "POST /q/nervesys/silences/nervesys/expire", "{}");

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Map<String, Level> levels = new LinkedHashMap<>();
    private GitHttpServer git;
    private int ingestPort;
    private int livePort;
    private int managementPort;

    private void startAgent() throws Exception {
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        // secrets must stay out of the log at any level: ours at TRACE, the rest at DEBUG
        for (String name : List.of(org.slf4j.Logger.ROOT_LOGGER_NAME, "dev.nervesys", "org.apache.camel", "org.eclipse.jgit")) {
            Logger l = (Logger) LoggerFactory.getLogger(name);
            levels.put(name, l.getLevel());
            l.setLevel(name.equals("dev.nervesys") ? Level.TRACE : Level.DEBUG);
        }
        ingestPort = TestAgents.freePort();
        livePort = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/live.camel.yaml", "routes/runs.camel.yaml",
                "routes/heartbeat.camel.yaml", "routes/snapshots.camel.yaml", "routes/archive.camel.yaml")
                .write("config/application.properties", "nervesys.ingest.port=" + ingestPort + "\n"
                        + "nervesys.live.port=" + livePort + "\n"
                        + "nervesys.heartbeat.firstDelay=200ms\nnervesys.heartbeat.flushEvery=200ms\n"
                        + "nervesys.archive.localDir=" + tmp.resolve("data/archive") + "\n");
        repo.commit("every port, every secret");
        git = GitHttpServer.http(GIT_TOKEN).serve("fleet", repo.bare());
        managementPort = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-attack", tmp.resolve("data"), git.url("fleet"), managementPort);
        Map<String, String> env = Map.of("NERVESYS_INGEST_TOKENS", INGEST_TOKEN, "NERVESYS_LIVE_TOKENS", LIVE_TOKEN,
                "NERVESYS_CONSOLE_USERS", "viewer:" + VIEWER_PW + ",op:" + OPERATOR_PW + ":operator,root:" + ADMIN_PW + ":admin",
                "STORJ_ACCESS_KEY", S3_ACCESS, "STORJ_SECRET_KEY", S3_SECRET, "NERVESYS_GIT_TOKEN", GIT_TOKEN);
        agent = TestAgents.start(flags, env);
    }

    @AfterEach
    void restore() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(log);
        levels.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
        if (git != null) {
            git.close();
        }
    }

    // ---- ingest ----------------------------------------------------------------------------------

    @Test
    void everyIngestEndpointOfTheRunningRoutesRefusesAMissingOrWrongToken() throws Exception {
        startAgent();
        Map<String, String> endpoints = new TreeMap<>(); // path -> method
        for (Route route : agent.context().getRoutes()) {
            if (route.getEndpoint() instanceof NettyHttpEndpoint e && e.getConfiguration().getPort() == ingestPort) {
                String restrict = e.getHttpMethodRestrict();
                endpoints.put(e.getConfiguration().getPath().startsWith("/") ? e.getConfiguration().getPath()
                        : "/" + e.getConfiguration().getPath(), restrict == null ? "GET" : restrict.split(",")[0].strip());
            }
        }
        assertThat(endpoints).as("ingest endpoints found in the running context").containsKeys("/ingest", "/write", "/api/v2/write")
                .hasSizeGreaterThanOrEqualTo(7);
        assertThat(endpoints.keySet()).containsAll(INGEST_OPEN.keySet());
        String body = "{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"attack\"}\n";
        for (Map.Entry<String, String> e : endpoints.entrySet()) {
            String path = e.getKey();
            HttpResponse<String> none = send(ingestPort, e.getValue(), path + "?db=d", body, Map.of());
            HttpResponse<String> wrong = send(ingestPort, e.getValue(), path + "?db=d", body, Map.of("Authorization", "Token wrong"));
            if (INGEST_OPEN.containsKey(path)) {
                assertThat(none.statusCode()).as(path + " (open: " + INGEST_OPEN.get(path) + ")").isBetween(200, 299);
                assertNoSecret(path, none.body());
                continue;
            }
            assertThat(none.statusCode()).as(path + " without a token").isEqualTo(401);
            assertThat(wrong.statusCode()).as(path + " with a wrong token").isEqualTo(403);
            // the v1 query parameter with a wrong token too
            assertThat(send(ingestPort, e.getValue(), path + "?db=d&p=wrong", body, Map.of()).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(send(ingestPort, "POST", "/ingest", body, Map.of("Authorization", "Token " + INGEST_TOKEN)).statusCode())
                .isEqualTo(204);
    }

    // ---- management ------------------------------------------------------------------------------

    @Test
    void everyManagementPathAndDevConsoleRefusesStrangersAndGivesEachRoleItsRights() throws Exception {
        startAgent();
        PlatformHttpComponent platform = agent.context().getComponent("platform-http", PlatformHttpComponent.class);
        Set<String> paths = new TreeSet<>();
        Map<String, Set<String>> otherMethods = new TreeMap<>(); // path -> methods besides GET (POST, PUT, ...)
        for (HttpEndpointModel m : platform.getHttpManagementEndpoints()) {
            String path = m.getUri().replace("/*", "").replaceAll("/:[^/]+", "/nervesys").replaceAll("\\{[^}]+}", "nervesys");
            paths.add(path);
            for (String verb : (m.getVerbs() == null ? "GET" : m.getVerbs()).split(",")) {
                if (!verb.isBlank() && !verb.strip().equalsIgnoreCase("GET")) {
                    otherMethods.computeIfAbsent(path, k -> new TreeSet<>()).add(verb.strip().toUpperCase(java.util.Locale.ROOT));
                }
            }
        }
        assertThat(otherMethods).as("operator actions registered with the management server")
                .containsAllEntriesOf(Map.of("/q/nervesys/silences", Set.of("POST"), "/q/nervesys/silences/nervesys/expire", Set.of("POST")));
        DevConsoleRegistry registry = agent.context().getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        registry.stream().map(DevConsole::getId).forEach(id -> paths.add("/q/dev/" + id));
        assertThat(paths).as("management paths of the running server").contains("/observe/health", "/observe/metrics",
                "/observe/jolokia", "/q/dev/nervesys", "/q/dev/route", "/q/dev/jvm");
        Set<String> bareHealth = Set.of("/observe/health", "/observe/health/live", "/observe/health/ready");
        Set<String> adminOnly = Set.of("/q/dev", "/q/dev/jvm", "/q/dev/system-properties");
        for (String path : paths) {
            HttpResponse<String> none = TestAgents.get(managementPort, path, null, null);
            if (bareHealth.contains(path)) {
                assertThat(none.statusCode()).as(path).isIn(200, 503);
                assertThat(none.body()).as(path).doesNotContain("\"checks\"");
                assertThat(TestAgents.get(managementPort, path + "?data=true", null, null).statusCode()).as(path).isEqualTo(401);
                continue;
            }
            assertThat(none.statusCode()).as(path + " without credentials").isEqualTo(401);
            assertThat(TestAgents.get(managementPort, path, "root", "wrong").statusCode()).as(path + " wrong password").isEqualTo(401);
            assertThat(TestAgents.get(managementPort, path, "nobody", ADMIN_PW).statusCode()).as(path + " unknown user").isEqualTo(401);
            int viewer = TestAgents.get(managementPort, path, "viewer", VIEWER_PW).statusCode();
            int operator = TestAgents.get(managementPort, path, "op", OPERATOR_PW).statusCode();
            int admin = TestAgents.get(managementPort, path, "root", ADMIN_PW).statusCode();
            assertThat(admin).as(path + " as admin").isNotIn(401, 403);
            if (adminOnly.contains(path)) {
                assertThat(viewer).as(path + " as viewer").isEqualTo(403);
                assertThat(operator).as(path + " as operator").isEqualTo(403);
            } else {
                assertThat(viewer).as(path + " as viewer").isNotIn(401, 403);
                assertThat(operator).as(path + " as operator").isNotIn(401, 403);
            }
        }
        // every other method of every registered path: strangers get 401; operator actions (alert silences)
        // are refused to viewers (403) and done for operators and admins
        for (Map.Entry<String, Set<String>> e : otherMethods.entrySet()) {
            String path = e.getKey();
            for (String method : e.getValue()) {
                String what = method + " " + path;
                String body = OPERATOR_ACTIONS.getOrDefault(what, "{}");
                assertThat(manage(method, path, body, null, null).statusCode()).as(what + " without credentials").isEqualTo(401);
                assertThat(manage(method, path, body, "root", "wrong").statusCode()).as(what + " wrong password").isEqualTo(401);
                assertThat(manage(method, path, body, "nobody", ADMIN_PW).statusCode()).as(what + " unknown user").isEqualTo(401);
                int admin = manage(method, path, body, "root", ADMIN_PW).statusCode();
                assertThat(admin).as(what + " as admin").isNotIn(401, 403);
                if (OPERATOR_ACTIONS.containsKey(what)) {
                    assertThat(manage(method, path, body, "viewer", VIEWER_PW).statusCode()).as(what + " as viewer").isEqualTo(403);
                    assertThat(manage(method, path, body, "op", OPERATOR_PW).statusCode()).as(what + " as operator").isNotIn(401, 403);
                }
            }
        }
        assertThat(otherMethods.entrySet().stream().flatMap(e -> e.getValue().stream().map(m -> m + " " + e.getKey())).toList())
                .as("operator actions walked").containsAll(OPERATOR_ACTIONS.keySet());
        // what the operators and the admin did is there: two silences in force, made by their users
        JsonNode silences = JSON.readTree(TestAgents.get(managementPort, "/q/nervesys/silences", "viewer", VIEWER_PW).body());
        assertThat(silences.path("silences").findValuesAsText("createdBy")).containsExactlyInAnyOrder("root", "op");
        // the Jolokia stop of issue 15: 401 for strangers, refused for viewers and operators
        String context = JSON.readTree(jolokia("{\"type\":\"search\",\"mbean\":\"org.apache.camel:type=context,*\"}", "viewer",
                VIEWER_PW).body()).path("value").get(0).asText();
        String stop = JSON.createObjectNode().put("type", "exec").put("mbean", context).put("operation", "stop()").toString();
        assertThat(jolokia(stop, null, null).statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(jolokia(stop, "viewer", VIEWER_PW).body()).path("status").asInt()).isEqualTo(403);
        assertThat(JSON.readTree(jolokia(stop, "op", OPERATOR_PW).body()).path("status").asInt()).isEqualTo(403);
        assertThat(agent.context().getStatus().isStarted()).isTrue();
    }

    // ---- live ------------------------------------------------------------------------------------

    @Test
    void everyLivePathAndBothWebSocketHandshakesRefuseAMissingOrWrongToken() throws Exception {
        startAgent();
        LiveServer live = (LiveServer) agent.context().getRegistry().lookupByName("liveServer");
        await().atMost(Duration.ofSeconds(10)).until(() -> listening(live.port()));
        List<String[]> requests = new ArrayList<>();
        // the UI's own paths, and an unknown one: the check sits in front of every path
        for (String path : List.of("/", "/ui/", "/ui/index.html", "/vendor/chartjs/chart.umd.js", "/no-such-path")) {
            requests.add(new String[] {"GET", path});
        }
        // every route of the running runs API, from its route table ("POST /runs/{id}/end")
        dev.nervesys.runs.RunsApi api = (dev.nervesys.runs.RunsApi) agent.context().getRegistry().lookupByName("runsApi");
        assertThat(api.routes()).isNotEmpty();
        for (String route : api.routes()) {
            String[] methodAndPattern = route.split(" ", 2);
            requests.add(new String[] {methodAndPattern[0], methodAndPattern[1].replace("{id}", "r1")
                    + (methodAndPattern[1].endsWith("/export") ? "?format=csv" : "")});
        }
        assertThat(requests).extracting(r -> r[0] + " " + r[1]).contains("POST /runs/r1/start", "GET /runs/r1/export?format=csv");
        for (String[] r : requests) {
            HttpResponse<String> none = send(livePort, r[0], r[1], "", Map.of());
            assertThat(none.statusCode()).as(r[0] + " " + r[1]).isEqualTo(401);
            assertThat(send(livePort, r[0], r[1], "", Map.of("Authorization", "Bearer " + INGEST_TOKEN)).statusCode())
                    .as(r[0] + " " + r[1] + " with another port's token").isEqualTo(403);
            assertThat(send(livePort, r[0], r[1], "", Map.of("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(("root:" + ADMIN_PW).getBytes(StandardCharsets.UTF_8)))).statusCode())
                    .as(r[0] + " " + r[1] + " with a console password").isEqualTo(403);
        }
        assertThat(agent.context().getRegistry().lookupByName("runs")).as("no run started by a stranger").satisfiesAnyOf(
                runs -> assertThat(runs).isNull(), runs -> assertThat(String.valueOf(runs)).doesNotContain("r1"));
        assertThat(send(livePort, "GET", "/runs", "", Map.of("Authorization", "Bearer " + LIVE_TOKEN)).statusCode()).isEqualTo(200);
        for (String protocol : List.of("nervesys.live.v1", "foxglove.websocket.v1")) {
            Throwable refused = null;
            try {
                HTTP.newWebSocketBuilder().subprotocols(protocol).buildAsync(URI.create("ws://127.0.0.1:" + livePort + "/"),
                        new WebSocket.Listener() { }).join();
            } catch (CompletionException e) {
                refused = e.getCause();
            }
            assertThat(refused).as(protocol).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode()).as(protocol).isEqualTo(401);
            WebSocket ws = HTTP.newWebSocketBuilder().subprotocols(protocol)
                    .buildAsync(URI.create("ws://127.0.0.1:" + livePort + "/?token=" + LIVE_TOKEN), new WebSocket.Listener() { }).join();
            assertThat(ws.getSubprotocol()).isEqualTo(protocol);
            ws.abort();
        }
    }

    // ---- orchestrator ----------------------------------------------------------------------------

    /** Who may use an orchestrator endpoint (docs/orchestrator.md). */
    private enum OrchestratorUser { ENROLL_TOKEN, AGENT, API, WEBHOOK }

    /** Every HTTP consumer of routes/orchestrator.camel.yaml by who may use it; a new one must be added here. */
    private static final Map<String, OrchestratorUser> ORCHESTRATOR_PATHS = Map.ofEntries(
            Map.entry("/v1/enroll", OrchestratorUser.ENROLL_TOKEN),
            Map.entry("/v1/refresh", OrchestratorUser.AGENT), Map.entry("/v1/wait", OrchestratorUser.AGENT),
            Map.entry("/v1/heartbeat", OrchestratorUser.AGENT), Map.entry("/git", OrchestratorUser.AGENT),
            Map.entry("/v1/agents", OrchestratorUser.API), Map.entry("/v1/revisions", OrchestratorUser.API),
            Map.entry("/v1/rollouts", OrchestratorUser.API), Map.entry("/v1/tokens", OrchestratorUser.API),
            Map.entry("/v1/audit", OrchestratorUser.API), Map.entry("/v1/webhook", OrchestratorUser.WEBHOOK));

    /** The requests of the walk per endpoint: method, path and query, body (a valid one where it matters). */
    private static final Map<String, List<String[]>> ORCHESTRATOR_REQUESTS = Map.ofEntries(
            Map.entry("/v1/enroll", List.<String[]>of(new String[] {"POST", "/v1/enroll", "{\"host\":\"walk\"}"})),
            Map.entry("/v1/refresh", List.<String[]>of(new String[] {"POST", "/v1/refresh", "{}"})),
            Map.entry("/v1/wait", List.<String[]>of(new String[] {"GET", "/v1/wait?have=", ""})),
            Map.entry("/v1/heartbeat", List.<String[]>of(new String[] {"POST", "/v1/heartbeat", "[]"})),
            Map.entry("/git", List.of(new String[] {"GET", "/git/config/info/refs?service=git-upload-pack", ""},
                    new String[] {"POST", "/git/config/git-upload-pack", "0000"})),
            Map.entry("/v1/agents", List.<String[]>of(new String[] {"GET", "/v1/agents", ""})),
            Map.entry("/v1/revisions", List.<String[]>of(new String[] {"GET", "/v1/revisions", ""})),
            Map.entry("/v1/rollouts", List.of(new String[] {"GET", "/v1/rollouts", ""},
                    new String[] {"POST", "/v1/rollouts/0000000000000000000000000000000000000000/halt", ""})),
            Map.entry("/v1/tokens", List.<String[]>of(new String[] {"GET", "/v1/tokens", ""})),
            Map.entry("/v1/audit", List.<String[]>of(new String[] {"GET", "/v1/audit", ""})),
            Map.entry("/v1/webhook", List.<String[]>of(new String[] {"POST", "/v1/webhook", "{\"ref\":\"refs/heads/main\"}"})));

    @Test
    void everyOrchestratorEndpointRefusesStrangersAndGivesEachCredentialItsOwnRightsOnly() throws Exception {
        String apiToken = "api-S3cr3t-5e6f7a";
        String webhookSecret = "hook-S3cr3t-0d1e2f";
        dev.nervesys.heartbeat.PgDatabase db = new dev.nervesys.heartbeat.PgDatabase("attack_orch_");
        ConfigRepo upstream = new ConfigRepo(tmp.resolve("upstream"));
        int port = TestAgents.freePort();
        try {
            upstream.copyFromProject("routes/errors.camel.yaml");
            String head = upstream.commit("first");
            agent = dev.nervesys.bootstrap.it.orchestrator.Orchestrators.start("orch-attack", tmp.resolve("orch"),
                    dev.nervesys.bootstrap.it.orchestrator.Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n")),
                    port, db, upstream.uri(), Map.of("NERVESYS_ORCHESTRATOR_API_TOKENS", apiToken,
                            "NERVESYS_ORCHESTRATOR_WEBHOOK_SECRET", webhookSecret), Map.of());
            dev.nervesys.orchestrator.ConfigMirror mirror = agent.context().getRegistry()
                    .lookupByNameAndType("orchestratorMirror", dev.nervesys.orchestrator.ConfigMirror.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mirror.commit()).isEqualTo(head));

            // the endpoints, from the running context: each must be classified above
            Set<String> paths = new TreeSet<>();
            for (Route route : agent.context().getRoutes()) {
                if (route.getEndpoint() instanceof NettyHttpEndpoint e && e.getConfiguration().getPort() == port) {
                    String path = e.getConfiguration().getPath();
                    paths.add(path.startsWith("/") ? path : "/" + path);
                }
            }
            assertThat(paths).as("orchestrator endpoints of the running context").isEqualTo(ORCHESTRATOR_PATHS.keySet());

            // one of each credential: an enrolled agent's, a revoked agent's, an unused enrollment token, the API token
            String tokenOf = dev.nervesys.bootstrap.it.orchestrator.Orchestrators.createToken(db, "edge", 2);
            String spare = dev.nervesys.bootstrap.it.orchestrator.Orchestrators.createToken(db, "edge", 1);
            String[] good = enrollAt(port, tokenOf, "walker");
            String[] revoked = enrollAt(port, tokenOf, "revoked");
            assertThat(dev.nervesys.bootstrap.it.orchestrator.Orchestrators.cli("agents", "revoke", "revoked", "--postgres",
                    dev.nervesys.bootstrap.it.orchestrator.Orchestrators.cliUrl(db)).code()).isZero();
            List<String> secrets = List.of(apiToken, webhookSecret, good[1], revoked[1], tokenOf, spare);

            Map<String, Map<String, String>> credentials = new LinkedHashMap<>();
            credentials.put("none", Map.of());
            credentials.put("a wrong agent credential", Map.of("Authorization", basic("walker", "nva_wrong")));
            credentials.put("the agent's credential", Map.of("Authorization", basic(good[0], good[1])));
            credentials.put("a revoked agent's credential", Map.of("Authorization", basic(revoked[0], revoked[1])));
            credentials.put("an enrollment token as agent credential", Map.of("Authorization", basic("walker", spare)));
            credentials.put("the API token as agent credential", Map.of("Authorization", basic("walker", apiToken)));
            credentials.put("a wrong API token", Map.of("Authorization", "Bearer api-wrong"));
            credentials.put("an agent credential as API token", Map.of("Authorization", "Bearer " + good[1]));
            credentials.put("an enrollment token as API token", Map.of("Authorization", "Bearer " + spare));
            credentials.put("the API token", Map.of("Authorization", "Bearer " + apiToken));
            credentials.put("a forged webhook signature", Map.of("X-Hub-Signature-256", "sha256=" + "0".repeat(64)));
            credentials.put("the webhook secret as token", Map.of("X-Gitlab-Token", "wrong-" + webhookSecret));

            int asked = 0;
            int let = 0;
            for (Map.Entry<String, OrchestratorUser> endpoint : ORCHESTRATOR_PATHS.entrySet()) {
                for (String[] r : ORCHESTRATOR_REQUESTS.get(endpoint.getKey())) {
                    for (Map.Entry<String, Map<String, String>> c : credentials.entrySet()) {
                        asked++;
                        String what = r[0] + " " + r[1] + " with " + c.getKey();
                        HttpResponse<String> answer = sendJson(port, r[0], r[1], r[2], c.getValue());
                        assertNoSecret(what, answer.body());
                        for (String secret : secrets) {
                            assertThat(answer.body()).as(what).doesNotContain(secret);
                        }
                        int status = answer.statusCode();
                        boolean allowed = switch (endpoint.getValue()) {
                            case AGENT -> c.getKey().equals("the agent's credential");
                            case API -> c.getKey().equals("the API token");
                            default -> false;
                        };
                        if (allowed) {
                            assertThat(status).as(what + ": " + answer.body()).isNotIn(401, 403, 404);
                            let++;
                            continue;
                        }
                        switch (endpoint.getValue()) {
                            case AGENT -> {
                                if (c.getKey().equals("a revoked agent's credential")) {
                                    if (r[1].contains("info/refs")) {
                                        // Git clients show the advertisement's ERR line as the remote's error
                                        assertThat(answer.body()).as(what).contains("ERR agent revoked was revoked at").doesNotContain(head);
                                    } else {
                                        assertThat(status).as(what).isEqualTo(403);
                                    }
                                } else {
                                    assertThat(status).as(what).isEqualTo(401);
                                }
                            }
                            case API -> assertThat(status).as(what).isEqualTo(c.getKey().startsWith("none") || c.getValue().isEmpty()
                                    || !c.getValue().getOrDefault("Authorization", "").startsWith("Bearer ") ? 401 : 403);
                            case WEBHOOK -> assertThat(status).as(what).isEqualTo(401);
                            case ENROLL_TOKEN -> assertThat(status).as(what + " (no token in the body)").isEqualTo(400);
                        }
                    }
                }
            }
            // 13 requests (11 endpoints) with 12 credentials each; the 5 agent and 6 API requests let in with theirs
            assertThat(asked).isEqualTo(13 * 12);
            assertThat(let).isEqualTo(5 + 6);
            // enrollment: the token is the body's; a wrong one, an agent's credential or the API token get 401
            for (String notAToken : List.of("nvt_wrong", good[1], apiToken, webhookSecret)) {
                HttpResponse<String> r = sendJson(port, "POST", "/v1/enroll", "{\"token\":\"" + notAToken + "\",\"host\":\"x\"}", Map.of());
                assertThat(r.statusCode()).as("enroll with " + notAToken.substring(0, 4)).isEqualTo(401);
            }
            // the webhook: only a signature made with the secret fetches
            String body = "{\"ref\":\"refs/heads/main\"}";
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(webhookSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String signature = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
            assertThat(sendJson(port, "POST", "/v1/webhook", body, Map.of("X-Hub-Signature-256", signature)).statusCode()).isEqualTo(200);
            assertThat(sendJson(port, "POST", "/v1/webhook", body + " ", Map.of("X-Hub-Signature-256", signature)).statusCode())
                    .as("a signature of another body").isEqualTo(401);
        } finally {
            if (agent != null) {
                agent.close();
                agent = null;
            }
            upstream.close();
            db.close();
        }
    }

    /** Enrolls {@code host} with {@code token} at the orchestrator: {agent id, credential}. */
    private static String[] enrollAt(int port, String token, String host) throws Exception {
        HttpResponse<String> r = sendJson(port, "POST", "/v1/enroll", "{\"token\":\"" + token + "\",\"host\":\"" + host + "\"}", Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode g = JSON.readTree(r.body());
        return new String[] {g.path("agentId").asText(), g.path("credential").asText()};
    }

    private static HttpResponse<String> sendJson(int port, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (!method.equals("GET")) {
            b.header("Content-Type", path.startsWith("/git") ? "application/x-git-upload-pack-request" : "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- secrets ---------------------------------------------------------------------------------

    @Test
    void afterARunThatUsedEverySecretNoneShowsAnywhere() throws Exception {
        startAgent();
        // use them: ingest with its token, live with its, every console as admin, the config repo with the git token
        String body = "{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"ERROR\",\"message\":\"secret grep\"}\n"
                + "{\"run_id\":\"grep-run\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":\"2025-12-10T12:00:00Z\","
                + "\"fields\":{\"v\":1}}\n";
        assertThat(send(ingestPort, "POST", "/ingest", body, Map.of("Authorization", "Token " + INGEST_TOKEN)).statusCode()).isEqualTo(204);
        assertThat(send(ingestPort, "POST", "/ingest", body, Map.of("Authorization", "Token wrong-" + INGEST_TOKEN)).statusCode())
                .isEqualTo(403);
        assertThat(send(livePort, "GET", "/runs?token=" + LIVE_TOKEN, "", Map.of()).statusCode()).isEqualTo(200);
        assertThat(send(livePort, "GET", "/runs", "", Map.of("Authorization", "Bearer x" + LIVE_TOKEN)).statusCode()).isEqualTo(403);
        assertThat(TestAgents.get(managementPort, "/q/dev", "root", "x" + ADMIN_PW).statusCode()).isEqualTo(401);
        agent.syncNow();
        // a heartbeat row and a sync happened meanwhile
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.walk(tmp.resolve("data")).anyMatch(p -> p.toString().contains("heartbeat")));

        Map<String, String> outputs = new TreeMap<>();
        DevConsoleRegistry registry = agent.context().getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        for (String id : registry.stream().map(DevConsole::getId).toList()) {
            for (String accept : List.of("application/json", "text/plain")) {
                outputs.put("console " + id + " " + accept, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + managementPort + "/q/dev/" + id)).header("Accept", accept).header("Authorization", basic("root", ADMIN_PW))
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
            }
        }
        outputs.put("all consoles", TestAgents.get(managementPort, "/q/dev", "root", ADMIN_PW).body());
        outputs.put("beans", TestAgents.get(managementPort, "/q/dev/bean?properties=true&internal=true", "root", ADMIN_PW).body());
        outputs.put("metrics", TestAgents.get(managementPort, "/observe/metrics", "root", ADMIN_PW).body());
        outputs.put("health", TestAgents.get(managementPort, "/observe/health?data=true&exposureLevel=full", "root", ADMIN_PW).body());
        outputs.put("info", TestAgents.get(managementPort, "/observe/info", "root", ADMIN_PW).body());
        outputs.put("jolokia camel", jolokia("{\"type\":\"read\",\"mbean\":\"org.apache.camel:*\"}", "root", ADMIN_PW).body());
        outputs.put("live runs", send(livePort, "GET", "/runs", "", Map.of("Authorization", "Bearer " + LIVE_TOKEN)).body());
        assertThat(outputs.get("console nervesys application/json")).contains("agent-attack");
        assertThat(outputs.get("jolokia camel")).contains("\"status\":200");
        outputs.forEach(AttackSuiteTest::assertNoSecret);

        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(log.list)) {
            lines.add(e.getLoggerName() + " " + e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
        }
        assertThat(lines).as("log lines at DEBUG and TRACE").hasSizeGreaterThan(100);
        assertNoSecret("log", String.join("\n", lines));

        agent.close();
        agent = null;
        List<Path> files;
        try (var walk = Files.walk(tmp.resolve("data"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).as("data dir: heartbeat database, buffer, state").anyMatch(f -> f.toString().contains("heartbeat"));
        for (Path f : files) {
            assertNoSecret(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static HttpResponse<String> send(int port, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (!method.equals("GET")) {
            b.header("Content-Type", "application/x-ndjson");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON request of any method to the management port, with basic credentials when a user is given. */
    private HttpResponse<String> manage(String method, String path, String body, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", basic(user, password));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> jolokia(String body, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/jolokia"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", basic(user, password));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Fails with the text around the secret, not the secret itself. */
    private static void assertNoSecret(String where, String text) {
        for (String secret : SECRETS) {
            int at = text.indexOf(secret);
            if (at >= 0) {
                throw new AssertionError(where + " shows a secret: ..." + text.substring(Math.max(0, at - 160), at) + "<SECRET>");
            }
        }
    }
}
