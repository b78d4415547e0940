package dev.nervesys.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/nervesys, run by /bin/sh against a fake JDK whose {@code java} writes its arguments one per
 * line: the options of config/jvm.options (comments and blank lines left out), then
 * NERVESYS_JAVA_OPTS, then {@code -jar <jar>} and the user's arguments untouched.
 */
@DisabledOnOs(OS.WINDOWS) // a POSIX shell script; bin/nervesys.cmd is its Windows twin
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "nervesys").toAbsolutePath().normalize();
    private static final Path JVM_OPTIONS = Path.of("..", "config", "jvm.options").toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    private Path javaHome;
    private Path argv;
    private Path jar;

    @BeforeEach
    void fakeJdkAndJar() throws IOException {
        javaHome = tmp.resolve("jdk");
        Files.createDirectories(javaHome.resolve("bin"));
        Path java = javaHome.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGV_OUT\"\n"
                + "echo \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX\" >> \"$ARGV_OUT.env\"\nexit 7\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"17.0.9\"\n");
        argv = tmp.resolve("argv");
        jar = tmp.resolve("dist/nervesys.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "not a real jar: the fake java never opens it");
    }

    @Test
    void passesTheOptionsFileThenTheEnvironmentsOptionsThenTheJarAndTheArguments() throws Exception {
        Path options = tmp.resolve("jvm.options");
        Files.writeString(options, "# a comment\n\n  -Xmx64m  \n-XX:+UseSerialGC\n   # an indented comment\n-Dwith.space=a b\n");
        Result r = launch(Map.of("NERVESYS_JVM_OPTIONS", options.toString(), "NERVESYS_JAVA_OPTS", "-Dextra=1 -Dglob=*",
                "NERVESYS_CDS", "off"), "validate", "dir with spaces", "*", "");

        assertThat(r.exit).as("the exit code of java is the launcher's").isEqualTo(7);
        assertThat(r.argv).containsExactly("-Xmx64m", "-XX:+UseSerialGC", "-Dwith.space=a b", "-Dextra=1", "-Dglob=*",
                "-jar", jar.toString(), "validate", "dir with spaces", "*", "");
        assertThat(Files.readString(Path.of(argv + ".env"))).contains("MALLOC_ARENA_MAX=2");
    }

    @Test
    void theShippedOptionsFileGivesTheSmallFootprintFlagsEachWithItsComment() throws Exception {
        Result r = launch(Map.of("NERVESYS_CDS", "off"));

        List<String> lines = Files.readAllLines(JVM_OPTIONS);
        List<String> flags = lines.stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xms16m", "-Xmx256m",
                "-XX:MaxHeapFreeRatio=10", "-XX:-ShrinkHeapInSteps", "-XX:MinHeapFreeRatio=5");
        for (String flag : flags) {
            assertThat(lines.get(lines.indexOf(flag) - 1)).as("the line above " + flag).startsWith("# ");
        }
        List<String> expected = new ArrayList<>(flags);
        expected.addAll(List.of("-jar", jar.toString()));
        assertThat(r.argv).as("no arguments: the default command, run").containsExactlyElementsOf(expected);
    }

    @Test
    void aClassArchiveIsRecordedByTheFirstRunAndUsedAfterwardsUntilTheJarChanges() throws Exception {
        Path cds = tmp.resolve("cds");
        Map<String, String> env = Map.of("NERVESYS_CDS_DIR", cds.toString());
        Path archive = cds.resolve("nervesys-java17.jsa");

        assertThat(launch(env, "run").argv).contains("-XX:ArchiveClassesAtExit=" + archive)
                .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));
        assertThat(launch(env, "validate", "x").argv).as("only an agent run records")
                .noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-XX:SharedArchiveFile"));

        Files.writeString(archive, "as if the JVM had written it at exit");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        assertThat(launch(env).argv).contains("-XX:SharedArchiveFile=" + archive)
                .noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit"));

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(launch(env).argv).as("a newer jar: recorded again").contains("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(archive).doesNotExist();

        Files.writeString(archive, "as if the JVM had written it at exit");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        Path addOn = jar.resolveSibling("lib/nervesys-reports.jar");
        Files.createDirectories(addOn.getParent());
        Files.writeString(addOn, "an add-on jar, newer than the archive");
        Files.setLastModifiedTime(addOn, FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(launch(env).argv).as("a newer add-on jar: recorded again").contains("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(archive).doesNotExist();

        assertThat(launch(env).argv).as("Java 17: no compact object headers").doesNotContain("-XX:+UseCompactObjectHeaders");
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");
        assertThat(launch(env).argv).as("Java 25: its AOT cache").contains("-XX:AOTCacheOutput=" + cds.resolve("nervesys-java25.aot"))
                .as("and compact object headers").contains("-XX:+UseCompactObjectHeaders");
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"21.0.5\"\n");
        assertThat(launch(env).argv).as("Java 19 to 24: the JVM keeps the archive itself")
                .contains("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + cds.resolve("nervesys-java21.jsa"))
                .doesNotContain("-XX:+UseCompactObjectHeaders");
    }

    @Test
    void noJavaAtJavaHomeIsAClearErrorNotAStackTrace() throws Exception {
        Result r = launch(Map.of("JAVA_HOME", tmp.resolve("nowhere").toString()));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).contains("JAVA_HOME is " + tmp.resolve("nowhere")).contains("not an executable");
    }

    private Result launch(Map<String, String> env, String... args) throws Exception {
        Files.deleteIfExists(argv);
        List<String> command = new ArrayList<>(List.of("/bin/sh", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("NERVESYS_JAR", jar.toString());
        pb.environment().put("ARGV_OUT", argv.toString());
        pb.environment().remove("NERVESYS_JAVA_OPTS");
        pb.environment().remove("NERVESYS_JVM_OPTIONS");
        pb.environment().remove("MALLOC_ARENA_MAX");
        pb.environment().put("NERVESYS_CDS_DIR", tmp.resolve("cds-default").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the launcher ends").isTrue();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = Files.exists(argv) ? Files.readAllLines(argv) : List.of();
        return new Result(p.exitValue(), lines, stderr);
    }

    private record Result(int exit, List<String> argv, String stderr) {
    }
}
