package dev.nervesys.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.RecordKind;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.buffer.WhenFull;
import dev.nervesys.testing.HandClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog of many times nervesys.archive.maxBytes leaves in one drain (one pass of route
 * archive-drain, which the timer calls every checkEveryMs), as consecutive archives, without
 * waiting for a tick per archive or for the interval. The timer is set to a tick an hour away, so
 * each drain here is one synchronous call of direct:archive-drain, and the archiver's clock is a
 * hand-moved one: nothing depends on wall time or today's date.
 */
class ArchiveDrainTest {

    static final String CLICKHOUSE = "clickhouse";
    /** Long before any row is received: rows are never due by age, only by size. */
    static final Instant BEFORE_ANY_ROW = Instant.parse("2000-01-01T00:00:00Z");
    /** Long after every row: every row is older than the interval. */
    static final Instant AFTER_EVERY_ROW = Instant.parse("2200-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** ~1.5 MB of NDJSON (about 23 archives of 64 KB), committed to a buffer under dataDir before the agent starts. */
    static List<String> backlog(Path dataDir) throws Exception {
        List<String> sent = Records.telemetry("drain", 0, 6000, 60, 11);
        try (RecordBuffer b = RecordBuffer.open(dataDir.resolve("buffer/buffer.db"), 100L << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer(Archiver.CONSUMER);
            b.registerConsumer(CLICKHOUSE); // another consumer, enabled, that has shipped nothing
            for (int i = 0; i < sent.size(); i += 1000) {
                List<byte[]> bodies = new ArrayList<>();
                sent.subList(i, i + 1000).forEach(l -> bodies.add(l.getBytes(StandardCharsets.UTF_8)));
                b.append(new ArrayList<>(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY)), bodies);
            }
        }
        return sent;
    }

    TestSettings settings(Path dataDir, Clock clock) {
        return new TestSettings(dataDir).clock(clock).set("nervesys.archive.maxBytes", "64KB")
                .set("nervesys.archive.interval", "1h").set("nervesys.archive.checkEveryMs", 3_600_000)
                .set("nervesys.archive.backoffInitial", "1s").set("nervesys.archive.backoffMax", "1s");
    }

    static void drain(DataPathHarness agent) throws Exception {
        try (ProducerTemplate t = agent.context.createProducerTemplate()) {
            t.sendBody("direct:archive-drain", null);
        }
    }

    @Test
    void aBacklogOverMaxBytesLeavesAsConsecutiveArchivesInOneDrain() throws Exception {
        List<String> sent = backlog(dir);
        HandClock clock = new HandClock(BEFORE_ANY_ROW);
        try (S3Fixture s3 = new S3Fixture();
                DataPathHarness agent = new DataPathHarness(settings(dir, clock)
                        .env("STORJ_BUCKET", S3Fixture.BUCKET).env("STORJ_ENDPOINT", s3.endpoint())
                        .env("STORJ_ACCESS_KEY", S3Fixture.ACCESS).env("STORJ_SECRET_KEY", S3Fixture.SECRET),
                        "archive.camel.yaml")) {
            RecordBuffer buffer = agent.buffer();
            assertThat(buffer.pendingBytes(Archiver.CONSUMER)).isGreaterThan(20 * 64 * 1024);

            drain(agent);

            // every full 64 KB slice left in this one drain; only the tail below maxBytes waits for the interval
            assertThat(buffer.pendingBytes(Archiver.CONSUMER)).isLessThan(64 * 1024).isPositive();
            List<String> keys = s3.keys("logs/test-server/");
            assertThat(keys).hasSizeGreaterThanOrEqualTo(20).doesNotHaveDuplicates();
            List<String> shipped = s3.records("logs/test-server/");
            assertThat(shipped).as("in order, none twice, none left out").isEqualTo(sent.subList(0, shipped.size()));
            assertThat(buffer.position(Archiver.CONSUMER)).isEqualTo(shipped.size());
            for (String k : keys) {
                assertThat(S3Fixture.gunzip(s3.get(k)).length).as(k + " holds about maxBytes").isBetween(64 * 1024, 72 * 1024);
            }
            // the ClickHouse shipper's cursor is its own: nothing it has not shipped is deleted
            assertThat(buffer.rows()).isEqualTo(sent.size());
            assertThat(buffer.pendingRows(CLICKHOUSE)).isEqualTo(sent.size());

            // a second drain at the same instant has nothing due
            drain(agent);
            assertThat(s3.keys("logs/test-server/")).isEqualTo(keys);

            // once the tail is older than the interval, it leaves too
            clock.set(AFTER_EVERY_ROW);
            drain(agent);
            assertThat(s3.records("logs/test-server/")).isEqualTo(sent);
            assertThat(s3.keys("logs/test-server/")).hasSize(keys.size() + 1).startsWith(keys.toArray(String[]::new));
            assertThat(buffer.pendingRows(Archiver.CONSUMER)).isZero();
            assertThat(buffer.rows()).isEqualTo(sent.size());
            assertThat(((Number) ((Archiver) agent.beans.get("archiver")).status().get("archivedRecords")).longValue())
                    .isEqualTo(sent.size());
        }
        try (Stream<Path> work = Files.list(dir.resolve("archive-work"))) {
            assertThat(work.toList()).as("no work file is left").isEmpty();
        }
    }

    @Test
    void aFailedAttemptEndsTheDrainAndTheRetryWritesTheSameKey() throws Exception {
        List<String> sent = backlog(dir);
        HandClock clock = new HandClock(BEFORE_ANY_ROW);
        try (S3Fixture s3 = new S3Fixture()) {
            s3.stop();
            try (DataPathHarness agent = new DataPathHarness(settings(dir, clock)
                    .env("STORJ_BUCKET", S3Fixture.BUCKET).env("STORJ_ENDPOINT", s3.endpoint())
                    .env("STORJ_ACCESS_KEY", S3Fixture.ACCESS).env("STORJ_SECRET_KEY", S3Fixture.SECRET),
                    "archive.camel.yaml")) {
                Archiver archiver = (Archiver) agent.beans.get("archiver");
                RecordBuffer buffer = agent.buffer();
                drain(agent);
                assertThat(archiver.consecutiveFailures()).as("one attempt, then the drain ends").isEqualTo(1);
                ArchiveState planned = ArchiveState.decode(buffer.consumerState(Archiver.CONSUMER));
                assertThat(planned.pending()).isTrue();
                assertThat(planned.first()).isEqualTo(1);

                s3.start();
                drain(agent); // within the backoff: nothing is tried
                assertThat(archiver.consecutiveFailures()).isEqualTo(1);
                assertThat(s3.keys("logs/")).isEmpty();

                clock.advance(Duration.ofSeconds(1));
                drain(agent);
                assertThat(archiver.consecutiveFailures()).isZero();
                List<String> keys = s3.keys("logs/test-server/");
                assertThat(keys.get(0)).as("the plan fixed before the first attempt").isEqualTo(planned.key());
                assertThat(keys).hasSizeGreaterThanOrEqualTo(20).doesNotHaveDuplicates();
                List<String> shipped = s3.records("logs/test-server/");
                assertThat(S3Fixture.lines(S3Fixture.gunzip(s3.get(planned.key()))))
                        .isEqualTo(sent.subList(0, (int) planned.last()));
                assertThat(shipped).isEqualTo(sent.subList(0, shipped.size()));
                assertThat(buffer.pendingBytes(Archiver.CONSUMER)).isLessThan(64 * 1024);
            }
        }
    }

    @Test
    void keysAndBytesDoNotDependOnBackgroundCompression() throws Exception {
        Path one = dir.resolve("one-at-a-time");
        Path ahead = dir.resolve("two-ahead");
        List<String> sent = backlog(one);
        Files.createDirectories(ahead.resolve("buffer"));
        Files.copy(one.resolve("buffer/buffer.db"), ahead.resolve("buffer/buffer.db"));
        Map<String, byte[]> sequential = drainLocally(one, 0);
        Map<String, byte[]> parallel = drainLocally(ahead, 2);
        assertThat(parallel.keySet()).hasSizeGreaterThanOrEqualTo(21).containsExactlyElementsOf(sequential.keySet());
        sequential.forEach((k, bytes) -> assertThat(parallel.get(k)).as(k).isEqualTo(bytes));
        List<String> archived = new ArrayList<>();
        for (String k : S3Fixture.sorted(new ArrayList<>(parallel.keySet()))) {
            archived.addAll(S3Fixture.lines(S3Fixture.gunzip(parallel.get(k))));
        }
        assertThat(archived).isEqualTo(sent);
    }

    /** Drains the backlog under dataDir to its local folder (size first, then the tail by age); its archives by key. */
    Map<String, byte[]> drainLocally(Path dataDir, int threads) throws Exception {
        HandClock clock = new HandClock(BEFORE_ANY_ROW);
        try (DataPathHarness agent = new DataPathHarness(settings(dataDir, clock).set("nervesys.archive.threads", threads),
                "archive.camel.yaml")) {
            drain(agent);
            assertThat(agent.buffer().pendingBytes(Archiver.CONSUMER)).isLessThan(64 * 1024);
            clock.set(AFTER_EVERY_ROW);
            drain(agent);
            assertThat(agent.buffer().pendingRows(Archiver.CONSUMER)).isZero();
        }
        Path root = dataDir.resolve("archive");
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }
}
