package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.bootstrap.AddOn;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose Kafka add-on is missing (a child JVM on the test class path without camel-kafka and
 * kafka-clients, as nervesys.jar without lib/nervesys-kafka.jar): with module kafka publishing
 * ({@code nervesys.kafka.publish=true}) it refuses to start in one line that names the jar, and
 * {@code validate} rejects the revision with the same line for routes/kafka.camel.yaml; with the
 * defaults (module kafka on but idle) the module is left out and the revision is valid.
 * docs/operations.md, "Add-on jars".
 */
class AddOnMissingTest {

    @TempDir
    Path tmp;

    @Test
    void aModuleOnWithoutItsAddOnRefusesTheStartInOneLine() throws Exception {
        Result r = run(List.of("-Dnervesys.kafka.publish=true", "-Dnervesys.dataDir=" + tmp.resolve("data"),
                "-Dcamel.management.port=" + TestAgents.freePort(), "-Dnervesys.ingest.port=" + TestAgents.freePort(),
                "-Dnervesys.live.port=" + TestAgents.freePort()), "run");
        assertThat(r.exit).as(r.output).isEqualTo(3);
        assertThat(r.output).contains("cannot start: module kafka needs lib/nervesys-kafka.jar beside nervesys.jar: copy it there"
                + " from the build (bootstrap/target/lib/nervesys-kafka.jar) or set nervesys.modules.kafka=false");
        assertThat(r.output).doesNotContain("NoClassDefFoundError").doesNotContain("\tat ");
    }

    @Test
    void aRevisionThatSwitchesItOnIsRejectedWithTheSameLine() throws Exception {
        // the project's routes and config, with the publisher switched on in the revision's own settings
        Path project = Path.of("..").toAbsolutePath().normalize();
        Path repo = tmp.resolve("repo");
        for (String dir : new String[] {"routes", "config"}) {
            try (var files = Files.walk(project.resolve(dir))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Path to = repo.resolve(project.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                }
            }
        }
        Files.writeString(repo.resolve("config/application.properties"), "\nnervesys.kafka.publish=true\n",
                java.nio.file.StandardOpenOption.APPEND);
        Result r = run(List.of(), "validate", repo.toString());
        assertThat(r.exit).as(r.output).isEqualTo(1);
        assertThat(r.output).contains("routes/kafka.camel.yaml: module kafka needs lib/nervesys-kafka.jar beside nervesys.jar");
        assertThat(AddOn.KAFKA.present()).as("this JVM has the Kafka libraries").isTrue();
    }

    @Test
    void anIdleModuleWithoutItsAddOnIsLeftOutAndTheRevisionIsValid() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Result r = run(List.of(), "validate", repo.toString());
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).doesNotContain("nervesys-kafka.jar").doesNotContain("NoClassDefFoundError");
    }

    private Result run(List<String> flags, String... args) throws Exception {
        List<String> entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> {
                    String name = Path.of(e).getFileName().toString();
                    return !name.startsWith("kafka-clients-") && !name.startsWith("camel-kafka-");
                }).toList();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, entries)));
        command.addAll(flags);
        command.add("dev.nervesys.bootstrap.NervesysMain");
        command.addAll(List.of(args));
        Path out = tmp.resolve("out.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NERVESYS_") || k.startsWith("STORJ_") || k.startsWith("CAMEL_"));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("no exit within 120 s: " + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private record Result(int exit, String output) {
    }
}
