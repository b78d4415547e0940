package dev.nervesys.clickhouse;

import dev.nervesys.testing.HandClock;
import dev.nervesys.testing.TcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.RecordKind;
import dev.nervesys.buffer.WhenFull;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper against the real ClickHouse 18.16, each test on a database of its own. */
class ClickHouseShipperTest {

    @TempDir
    Path tmp;
    private ClickHouseTestDb db;
    private RecordBuffer buffer;
    private DeadLetters deadLetters;

    @BeforeEach
    void setUp() throws Exception {
        db = new ClickHouseTestDb();
        buffer = RecordBuffer.open(tmp.resolve("buffer.db"), 64L << 20, WhenFull.REJECT, 1);
        deadLetters = new DeadLetters(tmp.resolve("dead.db"));
    }

    @AfterEach
    void tearDown() throws Exception {
        buffer.close();
        deadLetters.close();
        db.close();
    }

    static byte[] record(String run, String source, long frame) {
        String time = Instant.parse("2025-12-10T12:00:00Z").plusNanos(frame * 1_000_123L).toString();
        return ("{\"run_id\":\"" + run + "\",\"source\":\"" + source + "\",\"type\":\"update\",\"frame\":" + frame
                + ",\"time\":\"" + time + "\",\"seq\":" + frame + ",\"fields\":{\"rpm\":" + (1000 + frame)
                + ",\"temp\":" + (frame * 0.5) + ",\"gear\":3,\"mode\":\"eco\",\"ok\":true}}").getBytes(StandardCharsets.UTF_8);
    }

    private void append(String run, String source, long from, int n) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        for (long f = from; f < from + n; f++) {
            bodies.add(record(run, source, f));
        }
        buffer.append(Collections.nCopies(n, RecordKind.TELEMETRY), bodies);
    }

    private ClickHouseShipper shipper(String url, int batchRows) throws Exception {
        return shipper(url, batchRows, Duration.ofSeconds(10), Clock.systemUTC());
    }

    private ClickHouseShipper shipper(String url, int batchRows, Duration timeout, Clock clock) throws Exception {
        ClickHouseSettings s = new ClickHouseSettings(url, db.name, null, null, batchRows, Duration.ofMillis(50),
                timeout, Duration.ofMillis(50), Duration.ofMillis(200), tmp.resolve("dead.db"), Duration.ofMinutes(10));
        return new ClickHouseShipper(buffer, s, new ClickHouseClient(url, db.name, null, null, s.timeout()), deadLetters,
                16L << 20, clock);
    }

    private static void drain(ClickHouseShipper shipper) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            shipper.tick();
            return shipper.pendingRows() == 0 && shipper.consecutiveFailures() == 0;
        });
    }

    @Test
    void shipsEventsAndSeriesWithValuesAndDeletesShippedRows() throws Exception {
        ClickHouseShipper shipper = shipper(ClickHouseTestDb.URL, 400);
        Map<String, Long> seen = new ConcurrentHashMap<>();
        shipper.onRunsSeen(seen::putAll);
        append("r1", "engine", 0, 1000);
        buffer.append(List.of(RecordKind.LOG), List.of("{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"INFO\",\"message\":\"m\"}".getBytes()));
        drain(shipper);

        assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r1'")).isEqualTo(1000);
        // numeric fields only: rpm, temp, gear (a string and a boolean are not series)
        assertThat(db.count("SELECT count() FROM {db}.series WHERE run_id = 'r1'")).isEqualTo(3000);
        assertThat(db.query("SELECT value, toUnixTimestamp(time), time_ns FROM {db}.series WHERE series = 'engine.rpm' AND frame = 999")
                .trim()).isEqualTo("1999\t1765368000\t999122877");
        assertThat(db.query("SELECT fields, seq, type FROM {db}.events WHERE frame = 7").trim())
                .isEqualTo("{\"rpm\":1007,\"temp\":3.5,\"gear\":3,\"mode\":\"eco\",\"ok\":true}\t7\tupdate");
        assertThat(buffer.rows()).isZero();
        assertThat(shipper.status()).containsEntry("shippedRecords", 1000L).containsEntry("skippedNonTelemetry", 1L);
        assertThat(seen).containsOnlyKeys("r1");
    }

    @Test
    void rowsClickHouseRefusesGoToDeadLettersAndTheRestIsStored() throws Exception {
        // an operator narrowed the source column to the known engines: ClickHouse refuses the others
        db.query("CREATE TABLE {db}.events (run_id String, source Enum8('engine' = 1), type Enum8('update' = 1, 'event' = 2),"
                + " frame UInt64, time DateTime, time_ns UInt32, seq Int64, fields String, buffer_id UInt64, received_at DateTime)"
                + " ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (run_id, frame)");
        ClickHouseShipper shipper = shipper(ClickHouseTestDb.URL, 50_000);
        append("r2", "engine", 0, 500);
        append("r2", "rogue", 500, 3);
        append("r2", "engine", 503, 497);
        buffer.append(List.of(RecordKind.TELEMETRY), List.of("{\"run_id\":\"r2\",\"source\":\"engine\",\"type\":\"update\",\"frame\":1,\"time\":\"yesterday\",\"fields\":{}}".getBytes()));
        drain(shipper);

        assertThat(db.count("SELECT count() FROM {db}.events")).isEqualTo(997);
        assertThat(db.count("SELECT count() FROM {db}.series")).isEqualTo(3000);
        assertThat(shipper.deadLetterCount()).isEqualTo(4);
        List<DeadLetters.Letter> letters = deadLetters.latest(10);
        assertThat(letters).extracting(DeadLetters.Letter::table).containsOnly("events");
        assertThat(letters).filteredOn(l -> l.error().contains("Unknown element 'rogue'")).hasSize(3);
        assertThat(letters).filteredOn(l -> l.error().contains("not storable")).hasSize(1);
        assertThat(buffer.rows()).isZero();
    }

    @Test
    void refusedRowBinaryBatchIsBisectedToTheRefusedRecordAndTheRestStaysIntact() throws Exception {
        // record 14 (buffer id 14) written with a String length larger than the whole insert: every insert holding it fails
        RowEncoder.corruptForTest = 14;
        try {
            ClickHouseShipper shipper = shipper(ClickHouseTestDb.URL, 50_000);
            append("r5", "engine", 0, 31);
            drain(shipper);
            assertThat(ClickHouseSchema.rowBinaryFits(db.admin, "events")).isTrue();
            assertThat(db.count("SELECT count() FROM {db}.events")).isEqualTo(30);
            assertThat(db.count("SELECT count() FROM {db}.events WHERE buffer_id = 14")).isZero();
            // the record's series rows are a separate insert and were not refused
            assertThat(db.count("SELECT count() FROM {db}.series")).isEqualTo(3 * 31);
            // the rows beside the refused one are intact: no shifted bytes
            assertThat(db.query("SELECT run_id, source, type, seq, fields, buffer_id FROM {db}.events WHERE frame = 14").trim())
                    .isEqualTo("r5\tengine\tupdate\t14\t{\"rpm\":1014,\"temp\":7.0,\"gear\":3,\"mode\":\"eco\",\"ok\":true}\t15");
            assertThat(db.count("SELECT count() FROM {db}.events WHERE frame = seq AND buffer_id = frame + 1 AND source = 'engine'"
                    + " AND run_id = 'r5' AND type = 'update' AND fields LIKE '{\"rpm\":%'")).isEqualTo(30);
            assertThat(deadLetters.latest(10)).singleElement().satisfies(l -> {
                assertThat(l.table()).isEqualTo("events");
                assertThat(l.bufferId()).isEqualTo(14);
                assertThat(l.error()).contains("Code: 33");
            });
            assertThat(buffer.rows()).isZero();
        } finally {
            RowEncoder.corruptForTest = -1;
        }
    }

    @Test
    void clickHouseUnreachableMidRunBufferHoldsThenNothingLostOrDoubled() throws Exception {
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", Integer.parseInt(ClickHouseTestDb.URL.replaceAll(".*:", "")))) {
            ClickHouseShipper shipper = shipper("http://127.0.0.1:" + proxy.port(), 700);
            append("r3", "engine", 0, 1500);
            drain(shipper);
            assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r3'")).isEqualTo(1500);

            proxy.stop();
            append("r3", "engine", 1500, 2000);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                shipper.tick();
                return shipper.consecutiveFailures() >= 2;
            });
            assertThat(shipper.pendingRows()).isEqualTo(2000);
            assertThat(buffer.rows()).isEqualTo(2000);

            // the insert lands but its answer is lost: the retry must not send it again
            proxy.start();
            proxy.loseAnswers(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                shipper.tick();
                return db.count("SELECT count() FROM {db}.events WHERE run_id = 'r3'") > 1500;
            });
            assertThat(shipper.pendingRows()).isPositive();
            proxy.loseAnswers(false);
            append("r3", "engine", 3500, 500);
            drain(shipper);
        }
        assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r3'")).isEqualTo(4000);
        assertThat(db.count("SELECT uniqExact(buffer_id) FROM {db}.events WHERE run_id = 'r3'")).isEqualTo(4000);
        assertThat(db.count("SELECT count() FROM {db}.series WHERE run_id = 'r3'")).isEqualTo(12000);
        assertThat(db.count("SELECT uniqExact(series, frame) FROM {db}.series WHERE run_id = 'r3'")).isEqualTo(12000);
        assertThat(db.count("SELECT max(frame) FROM {db}.events WHERE run_id = 'r3'")).isEqualTo(3999);
        assertThat(buffer.rows()).isZero();
    }

    @Test
    void insertThatLandsAfterItsRetryIsRemovedAgainWithinTheWatchWindowAcrossARestart() throws Exception {
        HandClock clock = new HandClock(Instant.parse("2200-01-01T00:00:00Z")); // after every row's receive time
        String url;
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", Integer.parseInt(ClickHouseTestDb.URL.replaceAll(".*:", "")))) {
            url = "http://127.0.0.1:" + proxy.port();
            ClickHouseShipper shipper = shipper(url, 5000, Duration.ofSeconds(1), clock);
            append("r4", "engine", 0, 2000);

            // both inserts of the batch stall on the way (a buffering proxy): the shipper's answer times out
            proxy.holdInserts(2);
            shipper.tick();
            assertThat(shipper.consecutiveFailures()).isEqualTo(1);
            assertThat(shipper.lastError()).contains("Timeout");
            assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r4'")).isZero();
            assertThat(shipper.status()).containsEntry("watchedBatches", 1).containsEntry("batchLimitRows", 2500);
            assertThat(deadLetters.watched()).singleElement().satisfies(w -> {
                assertThat(w.first()).isEqualTo(1);
                assertThat(w.last()).isEqualTo(2000);
                assertThat(w.runs()).containsExactly("r4");
            });

            // the retry finds nothing stored yet and sends the batch again: confirmed, watched
            clock.advance(Duration.ofSeconds(1));
            shipper.tick();
            assertThat(shipper.consecutiveFailures()).isZero();
            assertThat(shipper.pendingRows()).isZero();
            assertThat(shipper.status()).containsEntry("watchedBatches", 1);
            assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r4'")).isEqualTo(2000);

            // then the stalled attempt arrives after all: ClickHouse stores it a second time
            proxy.releaseHeld();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    db.count("SELECT count() FROM {db}.events WHERE run_id = 'r4'") == 4000
                    && db.count("SELECT count() FROM {db}.series WHERE run_id = 'r4'") == 12000);
        }

        // the agent restarts meanwhile: the watch is kept in its data dir, and the next check removes the copy
        ClickHouseShipper restarted = shipper(ClickHouseTestDb.URL, 5000, Duration.ofSeconds(10), clock);
        assertThat(restarted.status()).containsEntry("watchedBatches", 1);
        restarted.tick();
        assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r4'")).isEqualTo(2000);
        assertThat(db.count("SELECT uniqExact(buffer_id) FROM {db}.events WHERE run_id = 'r4'")).isEqualTo(2000);
        assertThat(db.count("SELECT count() FROM {db}.series WHERE run_id = 'r4'")).isEqualTo(6000);
        assertThat(db.count("SELECT uniqExact(series, frame) FROM {db}.series WHERE run_id = 'r4'")).isEqualTo(6000);
        assertThat(restarted.status()).containsEntry("duplicatesRemoved", 8000L);

        // watched until the window is over, then forgotten
        clock.advance(Duration.ofMinutes(5));
        restarted.tick();
        assertThat(restarted.status()).containsEntry("watchedBatches", 1);
        clock.advance(Duration.ofMinutes(5));
        restarted.tick();
        assertThat(restarted.status()).containsEntry("watchedBatches", 0);
        assertThat(deadLetters.watched()).isEmpty();
        assertThat(db.count("SELECT count() FROM {db}.events WHERE run_id = 'r4'")).isEqualTo(2000);
    }

    @Test
    void anAttemptACrashLeftUnconfirmedIsWatchedAtStartAndItsCursorStateClearsOnceItIsPassed() throws Exception {
        append("r5", "engine", 0, 1500);
        append("r6", "engine", 0, 500);
        // what a kill leaves while a batch of 2,000 records is on its way
        buffer.registerConsumer(ClickHouseShipper.CONSUMER);
        buffer.saveConsumerState(ClickHouseShipper.CONSUMER, "unconfirmed:2000");

        // started again with smaller batches: the whole unconfirmed attempt is watched, not only the first batch
        ClickHouseShipper shipper = shipper(ClickHouseTestDb.URL, 1200, Duration.ofSeconds(10),
                new HandClock(Instant.parse("2200-01-01T00:00:00Z")));
        assertThat(deadLetters.watched()).singleElement().satisfies(w -> {
            assertThat(w.first()).isEqualTo(1);
            assertThat(w.last()).isEqualTo(2000);
            assertThat(w.runs()).containsExactlyInAnyOrder("r5", "r6");
        });
        shipper.tick();
        assertThat(buffer.consumerState(ClickHouseShipper.CONSUMER)).isNull();
        assertThat(shipper.pendingRows()).isZero();
        assertThat(db.count("SELECT count() FROM {db}.events")).isEqualTo(2000);
        assertThat(db.count("SELECT uniqExact(buffer_id) FROM {db}.events")).isEqualTo(2000);
    }

    @Test
    void unconfirmedStateReadsTheAttemptsLastIdAndTheFormerPlainState() {
        assertThat(ClickHouseShipper.unconfirmedThrough(null, 10, 99)).isEqualTo(10);
        assertThat(ClickHouseShipper.unconfirmedThrough("unconfirmed", 10, 99)).isEqualTo(99);
        assertThat(ClickHouseShipper.unconfirmedThrough("unconfirmed:2000", 10, 99)).isEqualTo(2000);
        assertThat(ClickHouseShipper.unconfirmedThrough("unconfirmed:5", 10, 99)).isEqualTo(10);
    }
}
