package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * An agent booting while another program holds the ingest port: the revision cannot start, the
 * console names the route and the port, and once the port is free the next poll applies the same
 * commit (no new commit needed while nothing runs).
 */
class PortTakenAtStartTest extends OneAgentTest {

    @Test
    void aRevisionThatCannotBindIsNamedAndAppliedOnceThePortIsFree() throws Exception {
        ServerSocket taken = new ServerSocket(0);
        int ingestPort = taken.getLocalPort();
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml")
                .write("routes/marker.camel.yaml", ReloadEndToEndTest.markerRoute("marker", "x", "x.txt"))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("m") + "\n"
                        + "nervesys.ingest.port=" + ingestPort + "\nnervesys.ingest.host=0.0.0.0\n"
                        // all interfaces, like the port held by ServerSocket(0); no tokens in this test
                        + "nervesys.security.allowAnonymous=ingest\n");
        String commit = repo.commit("ingest on a taken port");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-port", tmp.resolve("data"), repo.uri(), port);
        flags.setProperty("nervesys.config.pollSeconds", "1");
        try {
            agent = TestAgents.start(flags, Map.of());
            assertThat(agent.routeIds()).isEmpty();
            String console = TestAgents.get(port, "/q/dev/nervesys", null, null).body();
            assertThat(console).contains(commit).contains("apply failed, previous routes restored")
                    .contains("did not start").contains(":" + ingestPort).contains("BindException")
                    .contains("tried again at every poll while no revision runs");
            assertThat(TestAgents.get(port, "/observe/health/ready", null, null).statusCode()).isEqualTo(503);
        } finally {
            taken.close();
        }
        // the port is free: the same commit starts at the next poll
        await().atMost(Duration.ofSeconds(20)).until(() -> TestAgents.get(port, "/q/dev/nervesys", null, null).body()
                .contains("\"appliedRevision\":\"" + commit + "\""));
        assertThat(agent.routeIds()).contains("marker", "ingest-ndjson", "ingest-influx-v1-write", "ingest-influx-v2-write");
        assertThat(TestAgents.get(port, "/observe/health/ready", null, null).statusCode()).isEqualTo(200);
    }
}
