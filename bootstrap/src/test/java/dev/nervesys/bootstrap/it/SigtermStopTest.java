package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what {@code systemctl stop} and {@code docker stop} send) stops an agent at once, with
 * camel-cli-connector on: the connector made Camel install a shutdown hook of its own that waited up
 * to 60 s for a context only our hook stops (RunCommand's hook calls Agent.close), so every stop took a
 * minute and ended with "Forcing shutdown". A child JVM, because only a real process gets a signal.
 */
class SigtermStopTest {

    @TempDir
    Path tmp;

    @Test
    void sigtermStopsTheAgentWithoutCamelsForcedShutdownWait() throws Exception {
        int management = TestAgents.freePort();
        Path log = tmp.resolve("agent.log");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Duser.home=" + tmp, // the connector's status files under ~/.camel: the test's own folder
                "-Dnervesys.dataDir=" + tmp.resolve("data"),
                "-Dcamel.management.port=" + management,
                "-Dnervesys.ingest.port=" + TestAgents.freePort(),
                "-Dnervesys.live.port=" + TestAgents.freePort(),
                "-Dnervesys.cli.enabled=true",
                "dev.nervesys.bootstrap.NervesysMain", "run");
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NERVESYS_") || k.startsWith("STORJ_") || k.startsWith("CAMEL_"));
        Process agent = pb.start();
        boolean exited;
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> TestAgents.get(management, "/observe/health/ready", null, null).statusCode() == 200);
            agent.destroy(); // SIGTERM
            // well under Camel's 60 s wait (45 s shutdown timeout + 15 s), which the bug always took in full
            exited = agent.waitFor(40, TimeUnit.SECONDS);
        } finally {
            agent.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(out).as("camel-cli-connector ran").contains("Camel JBang CLI enabled");
        assertThat(exited).as("the agent exited after SIGTERM; its log:%n%s", out).isTrue();
        assertThat(out).as("Camel stopped gracefully, nothing waited for it")
                .contains("Apache Camel 4.17.0 (nervesys) shutdown in")
                .doesNotContain("Waiting for CamelContext to graceful shutdown").doesNotContain("Forcing shutdown");
    }
}
