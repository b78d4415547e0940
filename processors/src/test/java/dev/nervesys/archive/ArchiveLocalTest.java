package dev.nervesys.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.ZstdInputStream;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default: no bucket, archives in a folder under the data dir; the interval trigger. */
class ArchiveLocalTest {

    @TempDir
    Path dir;

    List<Path> archives() throws Exception {
        Path root = dir.resolve("archive");
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void gzipToTheLocalFolderAfterTheInterval() throws Exception {
        TestSettings s = new TestSettings(dir).set("nervesys.archive.interval", "1s").set("nervesys.archive.checkEveryMs", 100)
                .set("nervesys.server", "edge-7");
        List<String> sent = Records.telemetry("local", 0, 50, 20, 5);
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml", "archive.camel.yaml")) {
            assertThat(ArchiveS3Test.ingest(agent, sent)).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.buffer().rows() == 0);
        }
        List<Path> files = archives();
        assertThat(files).hasSize(1);
        String rel = dir.resolve("archive").relativize(files.get(0)).toString();
        assertThat(rel).matches("logs/edge-7/\\d{4}-\\d{2}-\\d{2}/\\d{2}-\\d{2}\\.json\\.gz");
        assertThat(S3Fixture.lines(S3Fixture.gunzip(Files.readAllBytes(files.get(0))))).containsExactlyElementsOf(sent);
    }

    @Test
    void zstdOptionAndSuffixesWithinOneMinute() throws Exception {
        TestSettings s = new TestSettings(dir).set("nervesys.archive.compression", "zstd")
                .set("nervesys.archive.maxBytes", "8KB").set("nervesys.archive.interval", "1h")
                .set("nervesys.archive.checkEveryMs", 100);
        List<String> sent = Records.telemetry("zstd", 0, 200, 20, 6); // about 40 KB: five 8 KB archives
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml", "archive.camel.yaml")) {
            assertThat(ArchiveS3Test.ingest(agent, sent)).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.buffer().pendingBytes(Archiver.CONSUMER) < 8 * 1024);
        }
        List<Path> files = archives();
        assertThat(files.size()).isGreaterThanOrEqualTo(4);
        assertThat(files).allMatch(f -> f.toString().endsWith(".json.zst"));
        assertThat(files).anyMatch(f -> f.getFileName().toString().matches("\\d{2}-\\d{2}-1\\.json\\.zst"));
        List<String> archived = new java.util.ArrayList<>();
        files.stream().sorted(java.util.Comparator.comparingInt(ArchiveLocalTest::suffix)
                .thenComparing(Path::toString)).forEach(f -> {
                    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
                        archived.addAll(S3Fixture.lines(in.readAllBytes()));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
        // within one minute the suffix orders archives; across a minute boundary the minute does
        assertThat(archived).containsExactlyInAnyOrderElementsOf(sent.subList(0, archived.size()));
        assertThat(archived.size()).isGreaterThan(150);
    }

    static int suffix(Path f) {
        String n = f.getFileName().toString().replaceAll("^\\d{2}-\\d{2}(-(\\d+))?\\..*$", "$2");
        return n.isEmpty() ? 0 : Integer.parseInt(n);
    }
}
