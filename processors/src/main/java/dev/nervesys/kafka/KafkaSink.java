package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.common.Backoff;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code kafkaSink}: the Kafka -> ClickHouse side (route kafka-sink, module {@code kafka-sink}).
 * camel-kafka hands it each poll as one batch ({@code batching=true}); {@link #insert} encodes the
 * records with the shipper's {@link RowEncoder} (RowBinary), inserts them into {@code events} and
 * {@code series}, and only after ClickHouse confirmed both inserts commits the offsets of every
 * partition of the batch (manual commit; auto commit is off).
 *
 * <p>No duplicates after a crash between insert and commit: like the shipper's check of an
 * unconfirmed batch, the sink asks ClickHouse which {@code (run_id, buffer_id)} of the batch each table
 * already holds and sends only the others. A sink cannot know whether the node that owned a
 * partition before (killed, or a rebalance) inserted beyond its last commit, so every batch is
 * checked: one {@code SELECT DISTINCT} per table over the batch's runs and id range. Copies that
 * the publisher sent twice (a batch retried after a half-acknowledged attempt) are dropped the same
 * way, and within one batch by the same pair. Run ids are assumed unique in the fleet (the tables
 * have no agent column; docs/kafka.md).
 *
 * <p>A failed insert is retried with backoff on the consumer thread, holding the batch, until
 * ClickHouse takes it or the route stops (then it throws: nothing is committed, and the next owner
 * of the partitions reads the batch again). Rows ClickHouse refuses as data are found by halving and
 * are logged and counted, not kept (the shipper's dead-letter file is per agent; left out here).
 */
public final class KafkaSink implements StatusReporter, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    /**
     * Tests only: this many batches fail after ClickHouse confirmed their insert and before their
     * offsets are committed, as a node that dies between the two (the batch is read again).
     */
    static final java.util.concurrent.atomic.AtomicInteger CRASH_AFTER_INSERT_FOR_TEST = new java.util.concurrent.atomic.AtomicInteger();

    private final ClickHouseClient ch;
    private final KafkaSettings cfg;
    private final Clock clock;
    private final KafkaLag lag;
    private volatile boolean schemaReady;
    private boolean eventsBinary;
    private boolean seriesBinary;
    private volatile long insertedRecords;
    private volatile long duplicates;
    private volatile long refused;
    private volatile long skipped;
    private volatile long batches;
    private volatile long failuresTotal;
    private volatile long commitFailures;
    private volatile int failures;
    private volatile String lastError;
    private volatile long lastSuccessAt;
    private volatile long lastBatchMillis;
    /** Agent commit (nervesys.received) to ClickHouse confirmation, per record; null until metrics are bound. */
    private volatile io.micrometer.core.instrument.Timer latency;

    /** @param ch null when ClickHouse is not configured ({@code nervesys.clickhouse.url} empty): every batch then fails */
    public KafkaSink(ClickHouseClient ch, KafkaSettings cfg, KafkaLag lag, Clock clock) {
        this.ch = ch;
        this.cfg = cfg;
        this.lag = lag;
        this.clock = clock;
    }

    /** One poll of records (a list of exchanges): into ClickHouse, then the offsets committed. */
    public void insert(Exchange batch) throws Exception {
        @SuppressWarnings("unchecked")
        List<Exchange> records = batch.getMessage().getBody(List.class);
        if (records == null || records.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                store(records);
                break;
            } catch (IOException | ClickHouseException | RuntimeException e) {
                failuresTotal++;
                failures = attempt;
                schemaReady = false;
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                if (batch.getContext().isStopping()) {
                    throw e;
                }
                long delay = Backoff.delay(cfg.backoffInitial(), cfg.backoffMax(), attempt).toMillis();
                LOG.warn("Kafka sink: ClickHouse insert failed ({} in a row), batch of {} records held, retrying in {} ms: {}",
                        attempt, records.size(), delay, lastError);
                sleepUnlessStopping(batch, delay);
            }
        }
        if (failures > 0) {
            LOG.info("Kafka sink: ClickHouse inserts resumed after {} failed attempts", failures);
        }
        failures = 0;
        lastError = null;
        if (CRASH_AFTER_INSERT_FOR_TEST.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("test: stopped between the insert and the offset commit");
        }
        commit(records);
        io.micrometer.core.instrument.Timer t = latency;
        if (t != null) {
            long now = clock.millis();
            for (Exchange e : records) {
                String received = text(e.getMessage().getHeader(KafkaPublisher.H_RECEIVED));
                if (received != null) {
                    t.record(Math.max(0, now - Long.parseLong(received)), java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
        }
        batches++;
        lastSuccessAt = clock.millis();
        lastBatchMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    private static void sleepUnlessStopping(Exchange batch, long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) {
            if (batch.getContext().isStopping()) {
                throw new InterruptedException("stopping: the batch is not committed and will be read again");
            }
            Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    /** The records' offsets, partition by partition: each partition's last record commits it. */
    private void commit(List<Exchange> records) {
        Map<String, KafkaManualCommit> last = new LinkedHashMap<>();
        for (Exchange e : records) {
            KafkaManualCommit c = e.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (c != null) {
                last.put(e.getMessage().getHeader(KafkaConstants.TOPIC, String.class) + "-"
                        + e.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class), c);
            }
        }
        for (Map.Entry<String, KafkaManualCommit> c : last.entrySet()) {
            try {
                c.getValue().commit();
            } catch (RuntimeException e) {
                // the partition moved to another node meanwhile: it reads these records again, finds them in ClickHouse
                commitFailures++;
                LOG.warn("Kafka sink: offset commit of {} failed (its records are in ClickHouse; a new owner skips them): {}",
                        c.getKey(), e.getMessage());
            }
        }
    }

    /** The records of one key ({@code agent/run}): buffer ids are unique within it. */
    private record Group(String run, List<BufferedRecord> rows) {
    }

    private void store(List<Exchange> records) throws IOException, ClickHouseException {
        if (ch == null) {
            // held and retried with backoff like an outage (never a hot loop of failed polls)
            throw new IllegalStateException("nervesys.clickhouse.url is empty: the Kafka sink has nowhere to insert");
        }
        if (!schemaReady) {
            ClickHouseSchema.create(ch);
            eventsBinary = ClickHouseSchema.rowBinaryFits(ch, "events");
            seriesBinary = ClickHouseSchema.rowBinaryFits(ch, "series");
            schemaReady = true;
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        Map<String, Set<Long>> seen = new LinkedHashMap<>();
        long skippedNow = 0;
        long dupNow = 0;
        for (Exchange e : records) {
            Map<String, Object> h = e.getMessage().getHeaders();
            String agent = text(h.get(KafkaPublisher.H_AGENT));
            String id = text(h.get(KafkaPublisher.H_ID));
            String kind = text(h.get(KafkaPublisher.H_KIND));
            String received = text(h.get(KafkaPublisher.H_RECEIVED));
            byte[] body = e.getMessage().getBody(byte[].class);
            if (agent == null || id == null || body == null || !RecordKind.TELEMETRY.label().equals(kind)) {
                skippedNow++; // not a Nervesys telemetry record: the tables take telemetry only
                continue;
            }
            String key = e.getMessage().getHeader(KafkaConstants.KEY, String.class);
            String run = key != null && key.indexOf('/') >= 0 ? key.substring(key.indexOf('/') + 1) : RunKey.runId(body);
            long bufferId = Long.parseLong(id);
            if (!seen.computeIfAbsent(agent + "/" + run, k -> new HashSet<>()).add(bufferId)) {
                dupNow++; // the publisher sent it twice within this poll
                continue;
            }
            groups.computeIfAbsent(agent + "/" + run, k -> new Group(run, new ArrayList<>()))
                    .rows().add(new BufferedRecord(bufferId, RecordKind.TELEMETRY, received == null ? 0 : Long.parseLong(received), body));
        }
        List<RowEncoder.Batch> encoded = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (Group g : groups.values()) {
            RowEncoder.Batch b = RowEncoder.encode(g.rows(), eventsBinary, seriesBinary);
            if (!b.rejected.isEmpty()) {
                refused += b.rejected.size();
                LOG.warn("Kafka sink: {} records of run {} cannot be stored (not counted as inserted): {}", b.rejected.size(),
                        g.run(), b.rejected.get(0).error());
            }
            skippedNow += b.skipped;
            if (b.records > 0) {
                encoded.add(b);
                runs.add(g.run());
                lo = Math.min(lo, b.ids[0]);
                hi = Math.max(hi, b.ids[b.records - 1]);
            }
        }
        skipped += skippedNow;
        if (encoded.isEmpty()) {
            duplicates += dupNow;
            return;
        }
        Set<String> inEvents = present("events", runs, lo, hi);
        Set<String> inSeries = present("series", runs, lo, hi);
        Rows events = new Rows();
        Rows series = new Rows();
        long fresh = 0;
        for (int g = 0; g < encoded.size(); g++) {
            RowEncoder.Batch b = encoded.get(g);
            String run = runs.get(g);
            for (int i = 0; i < b.records; i++) {
                String pair = run + "\u0000" + b.ids[i];
                boolean e = inEvents.contains(pair);
                if (!e) {
                    events.add(b.events.buf, b.eventOff[i], b.eventOff[i + 1]);
                    fresh++;
                } else {
                    dupNow++;
                }
                if (!inSeries.contains(pair)) {
                    series.add(b.series.buf, b.seriesOff[i], b.seriesOff[i + 1]);
                }
            }
        }
        insert("events", eventsBinary, events, 0, events.n);
        insert("series", seriesBinary, series, 0, series.n);
        insertedRecords += fresh;
        duplicates += dupNow;
    }

    private static String text(Object header) {
        if (header instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return header == null ? null : header.toString();
    }

    /** {@code run \0 buffer_id} of the pairs the table already holds within the batch's runs and id range. */
    private Set<String> present(String table, List<String> runs, long lo, long hi) throws IOException, ClickHouseException {
        String sql = "SELECT DISTINCT run_id, buffer_id FROM " + ch.table(table) + " WHERE run_id IN ("
                + runs.stream().distinct().map(ClickHouseClient::quote).collect(Collectors.joining(",")) + ") AND buffer_id BETWEEN "
                + lo + " AND " + hi + " FORMAT TabSeparated";
        Set<String> out = new HashSet<>();
        for (String line : ch.execute(sql).split("\n")) {
            int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                out.add(unescape(line.substring(0, tab)) + "\u0000" + line.substring(tab + 1).trim());
            }
        }
        return out;
    }

    /** TabSeparated escapes backslash, tab and newline in strings. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Rows of one table, record by record: record i is buf[off[i], off[i+1]). */
    private static final class Rows {
        byte[] buf = new byte[1 << 16];
        int[] off = new int[1025];
        int n;

        void add(byte[] src, int from, int to) {
            int len = to - from;
            if (off[n] + len > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, off[n] + len));
            }
            if (n + 2 > off.length) {
                off = java.util.Arrays.copyOf(off, off.length * 2);
            }
            System.arraycopy(src, from, buf, off[n], len);
            off[n + 1] = off[n] + len;
            n++;
        }
    }

    /** Inserts records [lo, hi); when ClickHouse refuses their data, halves down to single records, which are counted. */
    private void insert(String table, boolean binary, Rows r, int lo, int hi) throws IOException, ClickHouseException {
        int from = r.off[lo];
        int to = r.off[hi];
        if (lo >= hi || from == to) {
            return;
        }
        try {
            if (binary) {
                ch.insertRowBinary(table, table.equals("events") ? RowEncoder.EVENTS_COLUMNS : RowEncoder.SERIES_COLUMNS,
                        r.buf, from, to - from);
            } else {
                ch.insert(table, r.buf, from, to - from);
            }
        } catch (ClickHouseException e) {
            if (!e.rejectsData()) {
                throw e;
            }
            if (hi - lo == 1) {
                refused++;
                LOG.warn("Kafka sink: ClickHouse refused a row of {}: {}", table, e.getMessage());
                return;
            }
            int mid = (lo + hi) >>> 1;
            insert(table, binary, r, lo, mid);
            insert(table, binary, r, mid, hi);
        }
    }

    /** Route kafka-sink-lag: reads the group's lag per partition from the broker. */
    public void refreshLag() {
        lag.refresh();
    }

    public int consecutiveFailures() {
        return failures;
    }

    public String lastError() {
        return lastError;
    }

    public long insertedRecords() {
        return insertedRecords;
    }

    public long duplicatesSkipped() {
        return duplicates;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.kafka.sink.inserted.records", this, s -> s.insertedRecords)
                .description("Records the Kafka sink inserted into ClickHouse (confirmed)").register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.duplicates", this, s -> s.duplicates)
                .description("Records read again (a rebalance, a crash before the commit, a publisher retry) and not inserted twice")
                .register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.refused", this, s -> s.refused)
                .description("Records ClickHouse refused or that cannot be stored (logged, not kept)").register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.batches", this, s -> s.batches)
                .description("Polls inserted and committed").register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.errors", this, s -> s.failuresTotal + s.commitFailures)
                .description("Failed inserts (each retried with backoff) and failed offset commits").register(registry);
        Gauge.builder("nervesys.kafka.sink.consecutive.failures", this, s -> s.failures)
                .description("Failed inserts since the last success").register(registry);
        latency = io.micrometer.core.instrument.Timer.builder("nervesys.kafka.sink.latency")
                .description("From the agent's commit of a record to ClickHouse's confirmation of its insert by the sink "
                        + "(across machines: includes their clock difference)")
                .publishPercentiles(0.5, 0.99).register(registry);
        lag.bindTo(registry);
    }

    @Override
    public String statusName() {
        return "kafkaSink";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group", cfg.sinkGroup());
        m.put("insertedRecords", insertedRecords);
        m.put("duplicatesSkipped", duplicates);
        m.put("refused", refused);
        m.put("skippedNotTelemetry", skipped);
        m.put("batches", batches);
        m.put("lastBatchMillis", lastBatchMillis);
        m.put("lagRecords", lag.total());
        m.put("consecutiveFailures", failures);
        m.put("lastError", lastError);
        return m;
    }
}
