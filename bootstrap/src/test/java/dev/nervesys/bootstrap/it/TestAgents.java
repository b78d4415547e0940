package dev.nervesys.bootstrap.it;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** Starts real agents in the test JVM, each with its own data dir, ports and context name. */
public final class TestAgents {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TestAgents() {
    }

    /** Stops an agent process started by a test: SIGTERM, up to 30 s for it to end, then killed; null: nothing to do. */
    public static void stop(Process agent) throws InterruptedException {
        if (agent == null) {
            return;
        }
        agent.destroy();
        if (!agent.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            agent.destroyForcibly().waitFor();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** JVM-flag layer of a test agent; callers add or change entries before {@link #start}. */
    public static Properties flags(String agentId, Path dataDir, String repoUri, int managementPort) {
        Properties p = new Properties();
        p.setProperty("nervesys.agentId", agentId);
        p.setProperty("nervesys.dataDir", dataDir.toString());
        p.setProperty("nervesys.config.repo", repoUri);
        p.setProperty("nervesys.config.pollSeconds", "1");
        p.setProperty("camel.management.port", String.valueOf(managementPort));
        p.setProperty("camel.management.host", "127.0.0.1");
        p.setProperty("camel.main.name", "nervesys-" + agentId);
        // several agents share this JVM, and the Camel CLI connector is one per process
        p.setProperty("nervesys.cli.enabled", "false");
        return p;
    }

    public static Agent start(Properties flags, Map<String, String> environment) throws Exception {
        return Agent.start(new SettingsResolver(EmbeddedSource.defaultProperties(), new HashMap<>(environment), flags));
    }

    public static HttpResponse<String> get(int port, String path, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", path.startsWith("/q/dev") ? "application/json" : "*/*");
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
