package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar (run by failsafe after the package phase, {@code java -jar nervesys.jar} in a
 * process of its own, lib/ beside it as the build leaves it) loads lib/nervesys-reports.jar only when
 * module reports is on at start (AddOn.REPORTS is lazy: not on the manifest's Class-Path, attached
 * through the launcher agent): an agent with reports off never opens the jar; one started with
 * reports on loads it and runs the report routes; a revision that switches reports on in an agent
 * that did not load it is applied with the report routes left out and a restart asked for.
 */
class AddOnLazyIT {

    @TempDir
    Path tmp;
    private Process jar;

    @AfterEach
    void cleanUp() throws Exception {
        TestAgents.stop(jar);
    }

    @Test
    void theReportsJarLoadsOnlyWhenReportsIsOnAtStart() throws Exception {
        Path config = tmp.resolve("config");
        try (ConfigRepo repo = new ConfigRepo(config)) {
            repo.copyFromProject("routes/errors.camel.yaml", "routes/reports.camel.yaml");
            repo.write("config/application.properties", "nervesys.modules.reports=false\n");
            repo.commit("reports off");

            Path classes = tmp.resolve("classes-off.log");
            start("off", repo, "-Xlog:class+load=info:file=" + classes);
            assertThat(openJars()).as("reports off: the reports jar is not even opened")
                    .contains("nervesys-kafka.jar").doesNotContain("nervesys-reports.jar");
            // its bean provider is passed over by name, never loaded: how a provider whose classes are missing
            // fails to load differs between JDKs (ServiceLoader wraps it on 17, lets NoClassDefFoundError through on 25)
            assertThat(Files.readString(classes)).contains("dev.nervesys.bootstrap.BeanFactory ")
                    .doesNotContain("dev.nervesys.reports.ReportsBeans ");

            // switched on in a running agent that did not load it: applied, the report routes left out, a restart asked for
            repo.write("config/application.properties", "nervesys.modules.reports=true\n");
            repo.commit("reports on");
            await().atMost(Duration.ofSeconds(60)).until(() -> applied("off", "reports on") != null);
            assertThat(applied("off", "reports on")).contains("a restart is needed for [nervesys.modules.reports]")
                    .doesNotContain("routes/reports.camel.yaml");
            assertThat(log("off")).doesNotContain("Loaded lib/nervesys-reports.jar");
            assertThat(openJars()).doesNotContain("nervesys-reports.jar");
            stopBySigterm();

            // the restart: loaded at start, the report routes run
            start("on", repo);
            assertThat(log("on")).contains("Loaded lib/nervesys-reports.jar for module reports");
            assertThat(applied("on", "reports on")).contains("added [routes/errors.camel.yaml, routes/reports.camel.yaml]");
            assertThat(openJars()).contains("nervesys-reports.jar");
        }
    }

    private void start(String name, ConfigRepo repo, String... jvmFlags) throws Exception {
        Path jarFile = ConfigRepo.projectRoot().resolve("bootstrap/target/nervesys.jar");
        assertThat(jarFile).as("failsafe runs after package").isRegularFile();
        assertThat(jarFile.resolveSibling("lib/nervesys-reports.jar")).isRegularFile();
        int management = TestAgents.freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dnervesys.agentId=lazy-" + name,
                "-Dnervesys.dataDir=" + tmp.resolve("data"),
                "-Dnervesys.config.repo=" + repo.uri(),
                "-Dnervesys.config.pollSeconds=1",
                "-Dnervesys.ingest.port=" + TestAgents.freePort(),
                "-Dnervesys.live.port=" + TestAgents.freePort(),
                "-Dcamel.management.port=" + management));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-jar", jarFile.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NERVESYS_") || k.startsWith("STORJ_") || k.startsWith("CAMEL_"));
        jar = pb.start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            assertThat(jar.isAlive()).as(() -> log(name)).isTrue();
            return log(name).contains("Nervesys agent lazy-" + name + " ready in");
        });
    }

    private void stopBySigterm() throws Exception {
        jar.destroy();
        assertThat(jar.waitFor(30, TimeUnit.SECONDS)).isTrue();
        jar = null;
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The log line that says the agent applied the commit with this message, or null. */
    private String applied(String name, String message) {
        return log(name).lines().filter(l -> l.contains("Applied revision") && l.contains("(" + message + ")")).findFirst().orElse(null);
    }

    /** The jar files the process has open (Linux: /proc/PID/fd). */
    private List<String> openJars() throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(jar.pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.endsWith(".jar")) {
                        out.add(target.substring(target.lastIndexOf('/') + 1));
                    }
                } catch (java.io.IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }
}
