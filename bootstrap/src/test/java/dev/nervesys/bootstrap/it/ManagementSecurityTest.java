package dev.nervesys.bootstrap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.bootstrap.cli.NervesysCommand;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import org.apache.camel.ServiceStatus;
import org.apache.camel.console.DevConsole;
import org.apache.camel.console.DevConsoleRegistry;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management port of a real agent as an attacker and as a viewer see it (docs/security.md):
 * the one-request Jolokia stop is refused and the agent keeps serving; Jolokia answers reads and
 * Hawtio's dumps, and refuses every other operation of every Camel MBean the running context
 * registers; dev consoles act for nobody, the send console is gone, and no console shows an ingest
 * token; a port opened to other machines without authentication stops the start.
 */
class ManagementSecurityTest extends OneAgentTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "tok-7f3a9c2e51d84b06";
    private static final String USER = "viewer";
    private static final String PASSWORD = "pw-0b1d5e8a93c2";
    private static final String OPERATOR = "op";
    private static final String OPERATOR_PASSWORD = "pw-op-5c1e77a0";
    private static final String ADMIN = "root";
    private static final String ADMIN_PASSWORD = "pw-adm:9d03f1";
    /** Operations Hawtio may call on Camel's MBeans (jolokia-access.xml); every other one must be refused. */
    private static final Pattern READ_ONLY = Pattern.compile("dump.*|get.*|explain.*|componentParameterJsonSchema|createRouteStaticEndpointJson");

    private int ingestPort;
    private int port;

    /** An agent with ingest (token) and a marker route; management on all interfaces with one user. */
    private void startAgent() throws Exception {
        ingestPort = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml")
                .write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n"
                        + "nervesys.ingest.port=" + ingestPort + "\n");
        repo.commit("secured agent");
        port = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-sec", tmp.resolve("data"), repo.uri(), port);
        flags.setProperty("camel.management.host", "0.0.0.0");
        agent = TestAgents.start(flags, Map.of("NERVESYS_INGEST_TOKENS", TOKEN, "NERVESYS_CONSOLE_USERS",
                USER + ":" + PASSWORD + "," + OPERATOR + ":" + OPERATOR_PASSWORD + ":operator," + ADMIN + ":" + ADMIN_PASSWORD + ":admin"));
    }

    @Test
    void theJolokiaStopIsRefusedAndTheAgentKeepsServing() throws Exception {
        startAgent();
        String context = contextMBean();
        String stop = "{\"type\":\"exec\",\"mbean\":\"" + context.replace("\"", "\\\"") + "\",\"operation\":\"stop()\"}";

        assertThat(jolokia(stop, null, null).statusCode()).isEqualTo(401);
        assertThat(jolokia(stop, USER, "wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> asViewer = jolokia(stop, USER, PASSWORD);
        assertThat(JSON.readTree(asViewer.body()).path("status").asInt()).isEqualTo(403);
        assertThat(asViewer.body()).doesNotContain("\"status\":200");
        // the same through Jolokia's GET form
        HttpResponse<String> get = TestAgents.get(port, "/observe/jolokia/exec/" + context.replace("\"", "%22") + "/stop()", USER, PASSWORD);
        assertThat(get.body()).contains("\"status\":403");

        assertThat(agent.context().getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(agent.context().getRouteController().getRouteStatus("marker")).isEqualTo(ServiceStatus.Started);
        assertThat(ingest("{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"still here\"}\n"))
                .isEqualTo(204);
        // the bare health status needs no credentials (container health checks), its details do
        assertThat(TestAgents.get(port, "/observe/health/ready", null, null).statusCode()).isEqualTo(200);
        assertThat(TestAgents.get(port, "/observe/health", null, null).statusCode()).isEqualTo(200);
        assertThat(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null).statusCode())
                .isEqualTo(401);
        assertThat(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", USER, PASSWORD).body())
                .contains("nervesys-config");
        assertThat(TestAgents.get(port, "/observe/metrics", null, null).statusCode()).isEqualTo(401);
        assertThat(TestAgents.get(port, "/q/dev/nervesys", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void onlyAnAdminStopsARouteOrReadsTheJvmArgumentsAndNobodyTakesAHeapDump() throws Exception {
        startAgent();
        String route = "org.apache.camel:context=" + contextMBean().replaceAll(".*context=([^,]+).*", "$1")
                + ",type=routes,name=\"marker\"";
        String stop = request("exec", route).put("operation", "stop()").toString();
        for (String[] user : List.of(new String[] {USER, PASSWORD}, new String[] {OPERATOR, OPERATOR_PASSWORD})) {
            assertThat(JSON.readTree(jolokia(stop, user[0], user[1]).body()).path("status").asInt()).as(user[0]).isEqualTo(403);
        }
        assertThat(agent.context().getRouteController().getRouteStatus("marker")).isEqualTo(ServiceStatus.Started);
        assertThat(jolokia(stop, ADMIN, "wrong").statusCode()).isEqualTo(401);
        JsonNode stopped = JSON.readTree(jolokia(stop, ADMIN, ADMIN_PASSWORD).body());
        assertThat(stopped.path("status").asInt()).as(stopped.toString()).isEqualTo(200);
        assertThat(agent.context().getRouteController().getRouteStatus("marker")).isEqualTo(ServiceStatus.Stopped);

        // the JVM's arguments and system properties: a -D flag may carry a secret
        String props = request("read", "java.lang:type=Runtime").put("attribute", "SystemProperties").toString();
        String args = request("read", "java.lang:type=Runtime").put("attribute", "InputArguments").toString();
        for (String[] user : List.of(new String[] {USER, PASSWORD}, new String[] {OPERATOR, OPERATOR_PASSWORD})) {
            assertThat(JSON.readTree(jolokia(props, user[0], user[1]).body()).path("status").asInt()).as(user[0]).isEqualTo(403);
            assertThat(JSON.readTree(jolokia(args, user[0], user[1]).body()).path("status").asInt()).as(user[0]).isEqualTo(403);
            assertThat(TestAgents.get(port, "/q/dev/jvm", user[0], user[1]).statusCode()).isEqualTo(403);
            assertThat(TestAgents.get(port, "/q/dev/system-properties", user[0], user[1]).statusCode()).isEqualTo(403);
            assertThat(TestAgents.get(port, "/q/dev/memory,j%76m", user[0], user[1]).statusCode()).isEqualTo(403);
            assertThat(TestAgents.get(port, "/q/dev", user[0], user[1]).statusCode()).isEqualTo(403);
            assertThat(TestAgents.get(port, "/q/dev/memory", user[0], user[1]).statusCode()).isEqualTo(200);
            // reading the whole Runtime MBean is refused (Jolokia does not leave the denied attributes out)
            assertThat(jolokia(request("read", "java.lang:type=Runtime").toString(), user[0], user[1]).body())
                    .contains("\"status\":403").doesNotContain("java.class.path").doesNotContain("\"value\"");
        }
        assertThat(JSON.readTree(jolokia(props, ADMIN, ADMIN_PASSWORD).body()).path("status").asInt()).isEqualTo(200);
        assertThat(TestAgents.get(port, "/q/dev/jvm", ADMIN, ADMIN_PASSWORD).statusCode()).isEqualTo(200);
        // a viewer's getters as operations are gone too (getGlobalOption could show any option)
        ObjectNode getter = request("exec", contextMBean()).put("operation", "getGlobalOption(java.lang.String)");
        getter.putArray("arguments").add("x");
        assertThat(JSON.readTree(jolokia(getter.toString(), USER, PASSWORD).body()).path("status").asInt()).isEqualTo(403);
        // nobody takes a heap dump, admins included
        ObjectNode heap = request("exec", "com.sun.management:type=HotSpotDiagnostic").put("operation", "dumpHeap(java.lang.String,boolean)");
        heap.putArray("arguments").add(tmp.resolve("heap.hprof").toString()).add(true);
        assertThat(JSON.readTree(jolokia(heap.toString(), ADMIN, ADMIN_PASSWORD).body()).path("status").asInt()).isEqualTo(403);
        assertThat(tmp.resolve("heap.hprof")).doesNotExist();
    }

    @Test
    void aViewerReadsListsSearchesAndDumpsRoutesButNoOtherOperationRuns() throws Exception {
        startAgent();
        String context = contextMBean();

        JsonNode read = JSON.readTree(jolokia(request("read", context).put("attribute", "State").toString(), USER, PASSWORD).body());
        assertThat(read.path("status").asInt()).isEqualTo(200);
        assertThat(read.path("value").asText()).isEqualTo("Started");
        JsonNode list = JSON.readTree(jolokia("{\"type\":\"list\",\"path\":\"org.apache.camel\"}", USER, PASSWORD).body());
        assertThat(list.path("status").asInt()).isEqualTo(200);
        assertThat(list.path("value").size()).isPositive();
        assertThat(JSON.readTree(jolokia("{\"type\":\"version\"}", USER, PASSWORD).body()).path("status").asInt()).isEqualTo(200);

        JsonNode dump = JSON.readTree(jolokia(request("exec", context).put("operation", "dumpRoutesAsXml()").toString(),
                USER, PASSWORD).body());
        assertThat(dump.path("status").asInt()).isEqualTo(200);
        assertThat(dump.path("value").asText()).contains("id=\"marker\"").contains("id=\"ingest-ndjson\"");
        ObjectNode stats = request("exec", context).put("operation", "dumpRoutesStatsAsXml(boolean,boolean)");
        stats.putArray("arguments").add(false).add(true);
        JsonNode statsAnswer = JSON.readTree(jolokia(stats.toString(), USER, PASSWORD).body());
        assertThat(statsAnswer.path("status").asInt()).isEqualTo(200);
        assertThat(statsAnswer.path("value").asText()).contains("marker");

        // one MBean of each type the running context registered, every operation that is not a read-only dump or getter
        ArrayNode bulk = JSON.createArrayNode();
        List<String> asked = new ArrayList<>();
        for (Map.Entry<String, JsonNode> bean : oneMBeanPerType().entrySet()) {
            Iterator<Map.Entry<String, JsonNode>> ops = bean.getValue().path("op").fields();
            while (ops.hasNext()) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (READ_ONLY.matcher(op.getKey()).matches()) {
                    continue;
                }
                JsonNode signatures = op.getValue().isArray() ? op.getValue() : JSON.createArrayNode().add(op.getValue());
                for (JsonNode signature : signatures) {
                    List<String> types = new ArrayList<>();
                    signature.path("args").forEach(a -> types.add(a.path("type").asText()));
                    ObjectNode exec = request("exec", bean.getKey()).put("operation", op.getKey() + "(" + String.join(",", types) + ")");
                    ArrayNode args = exec.putArray("arguments");
                    types.forEach(t -> args.addNull());
                    bulk.add(exec);
                    asked.add(bean.getKey() + " " + op.getKey());
                }
            }
            // and no attribute may be written
            Iterator<Map.Entry<String, JsonNode>> attrs = bean.getValue().path("attr").fields();
            while (attrs.hasNext()) {
                Map.Entry<String, JsonNode> attr = attrs.next();
                if (attr.getValue().path("rw").asBoolean()) {
                    bulk.add(request("write", bean.getKey()).put("attribute", attr.getKey()).put("value", "1"));
                    asked.add(bean.getKey() + " write " + attr.getKey());
                }
            }
        }
        assertThat(asked).as("operations found on the running context").hasSizeGreaterThan(50)
                .anyMatch(a -> a.endsWith(" stop")).anyMatch(a -> a.endsWith(" suspend"))
                .anyMatch(a -> a.contains(" send"));
        JsonNode answers = JSON.readTree(jolokia(bulk.toString(), USER, PASSWORD).body());
        assertThat(answers.size()).isEqualTo(asked.size());
        for (int i = 0; i < asked.size(); i++) {
            assertThat(answers.get(i).path("status").asInt()).as(asked.get(i)).isEqualTo(403);
        }
        assertThat(agent.context().getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(agent.routeIds()).allSatisfy(id ->
                assertThat(agent.context().getRouteController().getRouteStatus(id)).as(id).isEqualTo(ServiceStatus.Started));
        // the JVM's MBeans: readable, not executable
        assertThat(jolokia("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc()\"}", USER, PASSWORD).body())
                .contains("\"status\":403");
    }

    @Test
    void devConsolesActForNobodyTheSendConsoleIsGoneAndNoConsoleShowsASecret() throws Exception {
        startAgent();
        DevConsoleRegistry registry = agent.context().getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        List<String> ids = registry.stream().map(DevConsole::getId).sorted().toList();
        assertThat(ids).contains("nervesys", "properties", "route", "bean").doesNotContain("send", "receive", "debug", "reload");
        assertThat(registry.resolveById("send")).isNull();
        HttpResponse<String> send = TestAgents.get(port, "/q/dev/send?endpoint=" + URLEncoder.encode("file:" + tmp.resolve("sent"),
                StandardCharsets.UTF_8) + "&body=x", USER, PASSWORD);
        assertThat(send.statusCode()).isEqualTo(403);
        assertThat(TestAgents.get(port, "/q/send/" + URLEncoder.encode("file:" + tmp.resolve("sent"), StandardCharsets.UTF_8),
                USER, PASSWORD).statusCode()).isEqualTo(404);
        assertThat(tmp.resolve("sent")).doesNotExist();

        // a route console action (GET /q/dev/route?action=stop) would stop every route
        assertThat(TestAgents.get(port, "/q/dev/route?action=stop&filter=*", USER, PASSWORD).statusCode()).isEqualTo(403);
        assertThat(TestAgents.get(port, "/q/dev?action=stop", USER, PASSWORD).statusCode()).isEqualTo(403);
        assertThat(TestAgents.get(port, "/q/dev/trace?enabled=true", USER, PASSWORD).statusCode()).isEqualTo(403);
        assertThat(agent.context().getRouteController().getRouteStatus("marker")).isEqualTo(ServiceStatus.Started);

        // every console the running context serves, as JSON and as text, plus all at once: no token, no password
        // (each as the least role that may read it: the JVM's arguments and system properties need an admin)
        Map<String, String> outputs = new TreeMap<>();
        for (String id : ids) {
            boolean admin = id.equals("jvm") || id.equals("system-properties");
            for (String accept : List.of("application/json", "text/plain")) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/dev/" + id))
                        .header("Accept", accept).header("Authorization", admin ? basic(ADMIN, ADMIN_PASSWORD) : basic(USER, PASSWORD))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(id).isEqualTo(200);
                outputs.put(id + " " + accept, r.body());
            }
        }
        outputs.put("all", TestAgents.get(port, "/q/dev", ADMIN, ADMIN_PASSWORD).body());
        outputs.put("beans with properties", TestAgents.get(port, "/q/dev/bean?properties=true&internal=true", USER, PASSWORD).body());
        outputs.put("metrics", TestAgents.get(port, "/observe/metrics", USER, PASSWORD).body());
        outputs.put("health", TestAgents.get(port, "/observe/health?data=true&exposureLevel=full", USER, PASSWORD).body());
        assertThat(outputs.get("properties application/json")).contains("nervesys.ingest.port");
        assertThat(outputs.get("nervesys application/json")).contains("agent-sec");
        outputs.forEach((name, body) -> {
            assertNoSecret(name, body, TOKEN);
            assertNoSecret(name, body, PASSWORD);
            assertNoSecret(name, body, ADMIN_PASSWORD);
        });
        // nor is the password kept in the data dir
        try (var files = Files.walk(tmp.resolve("data"))) {
            files.filter(Files::isRegularFile).filter(f -> f.toFile().length() < (1 << 20)).forEach(f -> {
                try {
                    assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(PASSWORD);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    @Test
    void aPortOpenToOtherMachinesWithoutAuthenticationRefusesTheStartUnlessAllowedByName() throws Exception {
        int ingest = TestAgents.freePort();
        int management = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml")
                .write("config/application.properties", "nervesys.ingest.port=" + ingest + "\n").commit("ingest");
        Properties flags = new Properties();
        flags.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
        flags.setProperty("nervesys.config.repo", repo.uri());
        flags.setProperty("camel.management.port", String.valueOf(management));
        flags.setProperty("nervesys.cli.enabled", "false");
        flags.setProperty("nervesys.ingest.host", "0.0.0.0");

        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine(new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), flags),
                tmp, false);
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("run")).isEqualTo(5);
        String line = err.toString().strip();
        assertThat(line).isEqualTo("run: cannot start: ingest port 0.0.0.0:" + ingest + " is reachable from other machines"
                + " without authentication; set NERVESYS_INGEST_TOKENS, bind to 127.0.0.1 with nervesys.ingest.host,"
                + " or open deliberately with nervesys.security.allowAnonymous=ingest (docs/security.md)");
        assertThat(listening(management)).as("management server after a refused start").isFalse();
        assertThat(listening(ingest)).as("ingest after a refused start").isFalse();

        // the management port on all interfaces without users: refused too, both named in one line
        flags.setProperty("camel.management.host", "0.0.0.0");
        StringWriter err2 = new StringWriter();
        CommandLine cl2 = NervesysCommand.commandLine(new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), flags),
                tmp, false);
        cl2.setErr(new PrintWriter(err2));
        assertThat(cl2.execute("run")).isEqualTo(5);
        assertThat(err2.toString().strip()).doesNotContain("\n").contains("ingest port 0.0.0.0:" + ingest)
                .contains("management port 0.0.0.0:" + management).contains("NERVESYS_CONSOLE_USERS")
                .endsWith("allow with nervesys.security.allowAnonymous=ingest,management (docs/security.md)");

        // opened deliberately, by name: it starts and ingest answers on the non-loopback bind
        flags.setProperty("nervesys.security.allowAnonymous", "ingest, management");
        flags.setProperty("nervesys.agentId", "agent-open");
        flags.setProperty("camel.main.name", "nervesys-agent-open");
        agent = TestAgents.start(flags, Map.of());
        assertThat(TestAgents.get(management, "/observe/health/ready", null, null).statusCode()).isEqualTo(200);
        ingestPort = ingest;
        assertThat(ingest("{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"open\"}\n")).isEqualTo(204);
    }

    @Test
    void aRevisionThatWouldOpenIngestWithoutTokensIsRejectedAndTheRunningOneStays() throws Exception {
        ingestPort = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml")
                .write("config/application.properties", "nervesys.ingest.port=" + ingestPort + "\n");
        String good = repo.commit("ingest on loopback");
        port = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-reload", tmp.resolve("data"), repo.uri(), port), Map.of());
        String bad = repo.write("config/application.properties", "nervesys.ingest.port=" + ingestPort
                + "\nnervesys.ingest.host=0.0.0.0\n").commit("ingest on all interfaces, no tokens");
        agent.syncNow();
        String console = TestAgents.get(port, "/q/dev/nervesys", null, null).body();
        assertThat(console).contains("\"appliedRevision\":\"" + good + "\"").contains(bad)
                .contains("ingest port 0.0.0.0:" + ingestPort + " is reachable from other machines without authentication");
        assertThat(ingest("{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"m\"}\n")).isEqualTo(204);
    }

    @Test
    void oversizedLinesAndHeadersAndASlowBodyAreRefusedWhileOthersAreServed() throws Exception {
        port = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n").commit("marker");
        Properties flags = TestAgents.flags("agent-limits", tmp.resolve("data"), repo.uri(), port);
        flags.setProperty("nervesys.management.bodyTimeout", "1s");
        agent = TestAgents.start(flags, Map.of("NERVESYS_CONSOLE_USERS", USER + ":" + PASSWORD));
        // Vert.x's own limits: 4096 bytes of request line, 8192 of headers
        assertThat(TestAgents.get(port, "/q/dev/nervesys?x=" + "a".repeat(5000), USER, PASSWORD).statusCode()).isEqualTo(414);
        try (java.net.Socket big = new java.net.Socket("127.0.0.1", port)) {
            big.setSoTimeout(5000);
            big.getOutputStream().write(("GET /q/dev/nervesys HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic(USER, PASSWORD)
                    + "\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(big.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 431");
        }
        try (java.net.Socket slow = new java.net.Socket("127.0.0.1", port)) {
            slow.setSoTimeout(5000);
            java.io.OutputStream out = slow.getOutputStream();
            out.write(("POST /observe/jolokia HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic(USER, PASSWORD)
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            java.io.InputStream in = slow.getInputStream();
            String answer = null;
            for (int i = 0; i < 100 && answer == null; i++) {
                try {
                    out.write('{');
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                if (i % 3 == 0) {
                    assertThat(TestAgents.get(port, "/observe/health/ready", null, null).statusCode()).isEqualTo(200);
                }
                Thread.sleep(100);
                if (in.available() > 0) {
                    answer = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
                }
            }
            if (answer == null) {
                answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(800L, 4000L);
        }
        assertThat(TestAgents.get(port, "/q/dev/nervesys", USER, PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void withACertificateTheManagementServerSpeaksHttpsOnly() throws Exception {
        TestCertificates tls = TestCertificates.make(tmp.resolve("tls"));
        port = TestAgents.freePort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n").commit("marker");
        Properties flags = TestAgents.flags("agent-tls", tmp.resolve("data"), repo.uri(), port);
        flags.setProperty("nervesys.management.tls.cert", tls.cert().toString());
        flags.setProperty("nervesys.management.tls.key", tls.key().toString());
        agent = TestAgents.start(flags, Map.of("NERVESYS_CONSOLE_USERS", USER + ":" + PASSWORD));
        HttpClient https = HttpClient.newBuilder().sslContext(tls.trusting()).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/q/dev/nervesys"))
                .header("Authorization", basic(USER, PASSWORD)).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("agent-tls");
        assertThat(https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/q/dev/nervesys")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        // plain HTTP gets no answer
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestAgents.get(port, "/observe/health/ready", null, null))
                .isInstanceOf(java.io.IOException.class);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private String contextMBean() throws Exception {
        JsonNode found = JSON.readTree(jolokia("{\"type\":\"search\",\"mbean\":\"org.apache.camel:type=context,*\"}", USER, PASSWORD)
                .body());
        assertThat(found.path("status").asInt()).isEqualTo(200);
        assertThat(found.path("value").size()).isEqualTo(1);
        return found.path("value").get(0).asText();
    }

    /** Every Camel MBean of the running context by name, with its operations and attributes; one per {@code type}. */
    private Map<String, JsonNode> oneMBeanPerType() throws Exception {
        JsonNode domain = JSON.readTree(jolokia("{\"type\":\"list\",\"path\":\"org.apache.camel\"}", USER, PASSWORD).body())
                .path("value");
        Map<String, JsonNode> byType = new TreeMap<>();
        Map<String, JsonNode> out = new TreeMap<>();
        domain.fields().forEachRemaining(e -> {
            String type = Pattern.compile(".*(?:^|,)type=([^,]+).*").matcher(e.getKey()).replaceAll("$1");
            if (byType.putIfAbsent(type, e.getValue()) == null) {
                out.put("org.apache.camel:" + e.getKey(), e.getValue());
            }
        });
        assertThat(byType).containsKeys("context", "routes", "endpoints", "components", "processors");
        return out;
    }

    private static ObjectNode request(String type, String mbean) {
        return JSON.createObjectNode().put("type", type).put("mbean", mbean);
    }

    private HttpResponse<String> jolokia(String body, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/jolokia"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", basic(user, password));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int ingest(String ndjson) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingestPort + "/ingest"))
                .header("Authorization", "Token " + TOKEN).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Fails with the text around the secret, not the whole (long) output. */
    private static void assertNoSecret(String name, String body, String secret) {
        int at = body.indexOf(secret);
        if (at >= 0) {
            throw new AssertionError(name + " shows a secret: ..." + body.substring(Math.max(0, at - 120), at) + "<SECRET>...");
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
