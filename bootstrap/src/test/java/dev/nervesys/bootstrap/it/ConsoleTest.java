package dev.nervesys.bootstrap.it;

import dev.nervesys.bootstrap.Agent;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The management server: health, metrics, Jolokia, the nervesys console, and basic auth. */
class ConsoleTest extends OneAgentTest {

    @Test
    void openConsoleServesHealthMetricsJolokiaAndNervesys() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n")
                .write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"));
        String c1 = repo.commit("console check");
        int port = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-console", tmp.resolve("data"), repo.uri(), port), Map.of());

        HttpResponse<String> health = TestAgents.get(port, "/observe/health", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
        HttpResponse<String> ready = TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null);
        assertThat(ready.body()).contains("nervesys-config").contains(c1);

        HttpResponse<String> metrics = TestAgents.get(port, "/observe/metrics", null, null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("camel_exchanges_total").contains("routeId=\"marker\"");

        HttpResponse<String> jolokia = TestAgents.get(port, "/observe/jolokia/read/java.lang:type=Runtime/Uptime", null, null);
        assertThat(jolokia.body()).contains("\"status\":200");
        HttpResponse<String> denied = TestAgents.get(port, "/observe/jolokia/exec/com.sun.management:type=HotSpotDiagnostic/dumpHeap/x.hprof/true", null, null);
        assertThat(denied.body()).doesNotContain("\"status\":200");

        HttpResponse<String> console = TestAgents.get(port, "/q/dev/nervesys", null, null);
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).contains("\"agentId\":\"agent-console\"").contains(c1).contains("\"module\":\"marker\"");
    }

    @Test
    void basicAuthWhenConsoleUsersAreSet() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n");
        repo.commit("auth check");
        int port = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-auth", tmp.resolve("data"), repo.uri(), port),
                Map.of("NERVESYS_CONSOLE_USERS", "ops:s3cret,viewer:other"));

        assertThat(TestAgents.get(port, "/q/dev/nervesys", null, null).statusCode()).isEqualTo(401);
        assertThat(TestAgents.get(port, "/observe/metrics", null, null).statusCode()).isEqualTo(401);
        assertThat(TestAgents.get(port, "/q/dev/nervesys", "ops", "wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = TestAgents.get(port, "/q/dev/nervesys", "ops", "s3cret");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("agent-auth").doesNotContain("s3cret");
        assertThat(TestAgents.get(port, "/observe/metrics", "viewer", "other").statusCode()).isEqualTo(200);
        assertThat(TestAgents.get(port, "/q/dev/properties", "ops", "s3cret").body()).doesNotContain("s3cret");
    }

    @Test
    void aTakenManagementPortRefusesTheStartWithAClearMessage() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n");
        repo.commit("port check");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> TestAgents.start(TestAgents.flags("agent-port", tmp.resolve("data"), repo.uri(), port), Map.of()))
                    .isInstanceOf(Agent.StartRefused.class)
                    .hasMessageContaining("management port 127.0.0.1:" + port + " cannot be bound")
                    .hasMessageContaining("camel.management.port");
        }
        // nothing was left behind: the data dir is free again and the port, once free, works
        int free = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-port", tmp.resolve("data"), repo.uri(), free), Map.of());
        assertThat(TestAgents.get(free, "/observe/health", null, null).statusCode()).isEqualTo(200);
    }
}
