package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modules that are off cost nothing: an agent in a child JVM, on the embedded defaults with reports,
 * the generator, ClickHouse and the live view off and archiving to the local folder, takes a record
 * and archives it; its {@code -verbose:class} log shows that no class of the libraries those
 * modules use (POI, PDFBox, JFreeChart, quartz, the Google client, the AWS SDK, a ClickHouse
 * driver) nor of the live view's Foxglove sessions was loaded. A child JVM, because the test JVM
 * has loaded whatever other tests needed.
 */
class ModulesOffFootprintTest {

    /** Class name prefixes that must not load while those modules are off. */
    static final List<String> FORBIDDEN = List.of(
            "org.apache.poi.", "org.apache.xmlbeans.", "org.openxmlformats.", "org.apache.pdfbox.", "org.apache.fontbox.",
            "org.jfree.", "org.quartz.", "com.google.", "software.amazon.", "com.clickhouse.", "ru.yandex.clickhouse.",
            "dev.nervesys.live.Foxglove");

    /**
     * Class name prefixes that load only when first used, never on an agent that no one asks: Jolokia
     * (the first request to /observe/jolokia), the JDK's XML parser (its policies), camel-http's client
     * and camel-mail's SMTP transport (the first alert delivery), SnakeYAML 1.x/2.x's composer
     * (config/*.yaml is read with snakeyaml-engine, the YAML DSL's parser), Flyway (only when the heartbeat
     * schema lacks a migration: the agent here restarts on a data folder whose schema is current), picocli
     * (only for a command line other than {@code run} or none), camel-cli-connector's status task (only with
     * {@code nervesys.cli.enabled=true}: it took a fifth of a core on an idle agent).
     */
    static final List<String> LAZY = List.of(
            "org.jolokia.", "com.sun.org.apache.xerces.", "org.apache.hc.client5.http.impl.", "org.eclipse.angus.mail.",
            "org.apache.camel.component.http.HttpProducer", "org.apache.camel.component.mail.MailProducer",
            "org.yaml.snakeyaml.composer.", "org.flywaydb.", "picocli.",
            "org.apache.camel.cli.connector.LocalCliConnector");

    @TempDir
    Path tmp;

    @Test
    void noClassOfAnOffModulesLibrariesLoads() throws Exception {
        int management = TestAgents.freePort();
        int ingest = TestAgents.freePort();
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("classes.log");
        // the data folder of an agent that ran before: its heartbeat database migrated (by Flyway, as a first start does)
        Path heartbeatDb = data.resolve("heartbeat").resolve("heartbeat.db");
        Files.createDirectories(heartbeatDb.getParent());
        org.sqlite.SQLiteDataSource sqlite = new org.sqlite.SQLiteDataSource();
        sqlite.setUrl("jdbc:sqlite:" + heartbeatDb);
        int version = dev.nervesys.heartbeat.Migrations.apply(sqlite, dev.nervesys.spi.Dialect.SQLITE);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + log,
                "-cp", shippedClassPath(),
                "-Dnervesys.dataDir=" + data,
                "-Dcamel.management.port=" + management,
                "-Dnervesys.ingest.port=" + ingest,
                "-Dnervesys.live.port=" + TestAgents.freePort(),
                "-Dnervesys.modules.live=false",
                // reports, generator: off in config/application.properties; ClickHouse: no URL; archive: no bucket
                "-Dnervesys.archive.interval=1s",
                "dev.nervesys.bootstrap.NervesysMain", "run"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NERVESYS_") || k.startsWith("STORJ_") || k.startsWith("CAMEL_"));
        Process agent = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> TestAgents.get(management, "/observe/health/ready", null, null).statusCode() == 200);
            HttpRequest write = HttpRequest.newBuilder(URI.create("http://localhost:" + ingest + "/write?db=demo"))
                    .POST(HttpRequest.BodyPublishers.ofString("cpu,host=a usage=0.5")).build();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> http.send(write, HttpResponse.BodyHandlers.ofString()).statusCode() / 100 == 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> archives(data.resolve("archive")) > 0);
        } finally {
            agent.destroy();
            if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
        String agentLog = Files.readString(tmp.resolve("agent.log"));

        List<String> loaded;
        try (Stream<String> lines = Files.lines(log)) {
            loaded = lines.filter(l -> l.contains("[class,load]")).map(l -> l.replaceFirst(".*\\[class,load\\] ", ""))
                    .map(l -> l.split(" ", 2)[0]).toList();
        }
        assertThat(agentLog).as("the agent found the schema current")
                .contains("heartbeat schema at version " + version + " (sqlite)");
        assertThat(loaded).as("the log is the agent's").contains("dev.nervesys.archive.Archiver",
                "dev.nervesys.bootstrap.Agent", "org.apache.camel.component.platform.http.main.ManagementHttpServer");
        assertThat(loaded).as("classes of modules that are off").noneMatch(c -> FORBIDDEN.stream().anyMatch(c::startsWith));
        assertThat(loaded).as("classes loaded on first use only").noneMatch(c -> LAZY.stream().anyMatch(c::startsWith));
    }

    /**
     * The test class path as the jar ships it: bootstrap/pom.xml's shade filters leave camel-google-drive's
     * type converter out of the jar (it loaded the Google client at Camel's start); its jar here is a copy
     * without it.
     */
    private String shippedClassPath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName().toString().startsWith("camel-google-drive-") && entry.endsWith(".jar")) {
                Path copy = tmp.resolve(p.getFileName());
                try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(p.toFile());
                     java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(copy))) {
                    for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                        if (!e.getName().equals(SHADED_OUT)) {
                            out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                            in.getInputStream(e).transferTo(out);
                            out.closeEntry();
                        }
                    }
                }
                entry = copy.toString();
            }
            entries.add(entry);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static final String SHADED_OUT = "META-INF/services/org/apache/camel/TypeConverterLoader";

    private static long archives(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json.gz")).count();
        }
    }
}
