package dev.nervesys.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.DataPathChild;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.WhenFull;
import dev.nervesys.spi.RecordKind;
import java.io.FileWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the agent process while it uploads a backlog to S3Proxy, then a restart: the union of
 * the objects is exactly the buffered records, each once (a replayed archive rewrites its own key).
 */
class ArchiveKillNineTest {

    @TempDir
    Path dir;

    @Test
    void killedMidUploadThenRestartedShipsEveryRecordExactlyOnce() throws Exception {
        // ~3.3 MB in about 100 archives: a drain ships them back to back, so the kill must find most
        // of them still to do however fast the machine is
        List<String> sent = Records.telemetry("kill", 0, 8000, 200, 9);
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("buffer/buffer.db"), 100L << 20, WhenFull.REJECT, 5)) {
            for (int i = 0; i < sent.size(); i += 1000) {
                List<byte[]> bodies = new ArrayList<>();
                sent.subList(i, i + 1000).forEach(l -> bodies.add(l.getBytes(StandardCharsets.UTF_8)));
                b.append(new ArrayList<>(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY)), bodies);
            }
        }
        try (S3Fixture s3 = new S3Fixture()) {
            Properties p = new Properties();
            p.setProperty("dataDir", dir.toString());
            p.setProperty("routes", "archive.camel.yaml");
            p.setProperty("nervesys.archive.maxBytes", "32KB");
            p.setProperty("nervesys.archive.interval", "1s");
            p.setProperty("nervesys.archive.checkEveryMs", "20");
            p.setProperty("env.STORJ_BUCKET", S3Fixture.BUCKET);
            p.setProperty("env.STORJ_ENDPOINT", s3.endpoint());
            p.setProperty("env.STORJ_ACCESS_KEY", S3Fixture.ACCESS);
            p.setProperty("env.STORJ_SECRET_KEY", S3Fixture.SECRET);
            Path props = dir.resolve("child.properties");
            try (Writer w = new FileWriter(props.toFile(), StandardCharsets.UTF_8)) {
                p.store(w, null);
            }
            Process first = DataPathChild.start(props);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> s3.keys("logs/").size() >= 4);
            first.destroyForcibly();
            first.waitFor();
            int before = s3.keys("logs/").size();
            assertThat(before).as("killed before the backlog was shipped").isLessThan(20);

            Process second = DataPathChild.start(props);
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> s3.records("logs/").size() >= sent.size());
            } finally {
                second.destroy(); // SIGTERM: the shutdown hook closes the buffer
                second.waitFor();
            }
            assertThat(s3.records("logs/")).containsExactlyElementsOf(sent);
            try (RecordBuffer b = RecordBuffer.open(dir.resolve("buffer/buffer.db"), 100L << 20, WhenFull.REJECT, 5)) {
                b.registerConsumer("archive");
                assertThat(b.pendingRows("archive")).isZero();
            }
        }
    }
}
