package dev.nervesys.clickhouse;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.Backoff;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.RunTracker;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code clickhouseShipper}: a buffer consumer with its own cursor ({@value #CONSUMER}) that
 * inserts telemetry into ClickHouse in large batches, driven by routes/clickhouse.camel.yaml
 * ({@link #tick}).
 *
 * <p>Exactly once, without ClickHouse's help (18.16 deduplicates only replicated tables): the
 * cursor's state is set to {@value #UNCONFIRMED} before a batch is sent and cleared together with
 * the cursor move after ClickHouse confirmed both inserts. A batch found unconfirmed (after a
 * failure, a timeout whose insert may have landed, or a crash) is first checked against the
 * {@code buffer_id}s already in each table, and only the missing records are sent. One insert is one
 * block and lands whole or not at all, so a record is never half present in a table.
 *
 * <p>That check cannot see an attempt that is still on its way: an insert whose answer timed out
 * while its body sat in a buffering proxy or a slow link lands whenever it arrives, possibly after
 * the retry (ClickHouse 18.16 reads an HTTP body whole before it registers the query, so neither
 * {@code query_id} nor {@code KILL QUERY} can fence it). So every batch sent again is watched for
 * {@code nervesys.clickhouse.lateInsertWindow} (kept in the dead-letter file, across restarts): every
 * {@link ClickHouseSettings#lateInsertCheckEvery()} its rows are counted, and when a late copy
 * landed, the partitions holding it are rewritten with {@code OPTIMIZE ... FINAL DEDUPLICATE}, which
 * drops rows identical in every column (a copy is: the agent writes every value, none is filled by
 * the server). Rows are distinct by {@code buffer_id}, so no other row can be dropped.
 *
 * <p>Rows ClickHouse refuses as data (a parse error, a value its column cannot hold) are found by
 * halving the insert until single records remain, and go to {@link DeadLetters}; every other
 * failure (connection, timeout, server error) leaves the cursor where it is and retries with
 * exponential backoff, while the buffer keeps accepting.
 */
public final class ClickHouseShipper implements StatusReporter, MeterBinder, RunTracker.Feed, AutoCloseable {

    public static final String CONSUMER = "clickhouse";
    /** Cursor state while a batch is sent: {@code unconfirmed:<last buffer id the attempt carried>}. */
    static final String UNCONFIRMED = "unconfirmed";
    static final int MIN_BATCH_ROWS = 1000;
    static final long MIN_BATCH_BYTES = 256 << 10;
    /** Full batches that must go through before a halved batch size doubles again. */
    static final int GROW_AFTER = 4;
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseShipper.class);

    private final RecordBuffer buffer;
    private final ClickHouseSettings cfg;
    private final ClickHouseClient ch;
    private final DeadLetters deadLetters;
    private final long maxBatchBytes;
    private final java.time.Clock clock;
    private volatile long nextWatchCheckAt;
    /** Batches are halved this many times (0: full size) after a timeout or a heap too small for one. */
    private volatile int shrink;
    private int fullBatchesSinceShrink;
    private volatile long duplicatesRemoved;
    private volatile int watchedBatches;
    private volatile Consumer<Map<String, Long>> runsSeen = m -> { };
    private volatile boolean schemaReady;
    /** Whether each table takes RowBinary (ClickHouseSchema#rowBinaryFits), read with the schema. */
    private volatile boolean eventsBinary;
    private volatile boolean seriesBinary;
    private volatile int failures;
    private volatile long nextAttemptAt;
    private volatile String lastError;
    private volatile long shippedRecords;
    private volatile long shippedSeriesRows;
    private volatile long batches;
    private volatile long deadLettered;
    private volatile long skippedRecords;
    private volatile long lastBatchRecords;
    private volatile long lastBatchMillis;
    private volatile long lastSuccessAt;
    private volatile long failuresTotal;
    /** Dead letters kept by earlier runs: the counter counts this run's only (a restart is a counter reset). */
    private long deadLetteredAtStart;
    /** When the current streak of failures began, epoch ms (meaningful while failures > 0). */
    private volatile long failingSince;

    /** @param ch null when shipping is off: the cursor is then disabled so that it holds no rows back */
    public ClickHouseShipper(RecordBuffer buffer, ClickHouseSettings cfg, ClickHouseClient ch, DeadLetters deadLetters,
            long maxBatchBytes, java.time.Clock clock) throws SQLException, IOException {
        this.buffer = buffer;
        this.clock = clock;
        this.cfg = cfg;
        this.ch = ch;
        this.deadLetters = deadLetters;
        this.maxBatchBytes = maxBatchBytes;
        if (ch != null) {
            buffer.registerConsumer(CONSUMER);
            buffer.setConsumerEnabled(CONSUMER, true);
            this.deadLettered = deadLetters.count();
            this.deadLetteredAtStart = deadLettered;
            watchAttemptLeftByACrash();
            this.watchedBatches = deadLetters.watched().size();
        } else if (hasCursor()) {
            buffer.setConsumerEnabled(CONSUMER, false);
        }
    }

    /**
     * The agent stopped while a batch was on its way (a crash, a kill): that attempt may still land,
     * so its rows are watched like those of a timed-out one (the present() check of the retry sees
     * only what landed before it).
     */
    private void watchAttemptLeftByACrash() throws SQLException, IOException {
        long after = buffer.position(CONSUMER);
        long through = unconfirmedThrough(buffer.consumerState(CONSUMER), after, after + cfg.batchRows());
        if (through <= after) {
            return;
        }
        List<BufferedRecord> rows = buffer.read(after, (int) Math.min(Integer.MAX_VALUE, through - after));
        if (!rows.isEmpty()) {
            RowEncoder.Batch b = RowEncoder.encode(rows, true, true);
            if (b.records > 0) {
                deadLetters.watch(new DeadLetters.Watched(b.ids[0], b.ids[b.records - 1], List.copyOf(b.lastSeenByRun.keySet()),
                        clock.millis()));
            }
        }
    }

    /**
     * The last buffer id of an unconfirmed attempt, or {@code after} when nothing is unconfirmed. The
     * plain {@code unconfirmed} of earlier versions covered the batch at the cursor: {@code legacyEnd}.
     */
    static long unconfirmedThrough(String state, long after, long legacyEnd) {
        if (state == null || !state.startsWith(UNCONFIRMED)) {
            return after;
        }
        if (state.equals(UNCONFIRMED)) {
            return legacyEnd;
        }
        return Math.max(after, Long.parseLong(state.substring(UNCONFIRMED.length() + 1)));
    }

    private boolean hasCursor() {
        return buffer.status().get("consumers") instanceof Map<?, ?> m && m.containsKey(CONSUMER);
    }

    /** Told the runs seen in each shipped batch (run id to the receive time of its last record). */
    @Override
    public void onRunsSeen(Consumer<Map<String, Long>> listener) {
        this.runsSeen = listener;
    }

    public boolean enabled() {
        return ch != null;
    }

    public ClickHouseClient client() {
        return ch;
    }

    /** Where rows go, without credentials. */
    public String target() {
        return cfg.describe();
    }

    /**
     * Ships what is due: full batches at once, a partial one when its oldest row waited
     * {@code nervesys.clickhouse.flushInterval}. Never throws: failures are counted and retried.
     */
    public synchronized void tick() {
        if (ch == null || clock.millis() < nextAttemptAt) {
            return;
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        try {
            if (!schemaReady) {
                ClickHouseSchema.create(ch);
                eventsBinary = ClickHouseSchema.rowBinaryFits(ch, "events");
                seriesBinary = ClickHouseSchema.rowBinaryFits(ch, "series");
                if (!eventsBinary || !seriesBinary) {
                    LOG.info("ClickHouse tables differ from the ones this agent creates: JSONEachRow for{}{}",
                            eventsBinary ? "" : " events", seriesBinary ? "" : " series");
                }
                schemaReady = true;
            }
            draining = false;
            while (shipOne() && System.nanoTime() - deadline < 0) {
                draining = true;
                // full batches back to back: ClickHouse prefers few large inserts, and a backlog drains fast
            }
            if (failures > 0) {
                LOG.info("ClickHouse shipping resumed after {} failed attempts", failures);
            }
            failures = 0;
            lastError = null;
            lastSuccessAt = clock.millis();
            checkWatched();
        } catch (IOException | ClickHouseException | SQLException | RuntimeException | OutOfMemoryError e) {
            if (e instanceof OutOfMemoryError || e instanceof java.net.http.HttpTimeoutException
                    && !(e instanceof java.net.http.HttpConnectTimeoutException)) {
                // a batch the heap or the link cannot take within the timeout: smaller ones can
                shrinkBatches(e instanceof OutOfMemoryError ? "the heap had no room for it" : "its insert timed out");
            }
            if (failures++ == 0) {
                failingSince = clock.millis();
            }
            failuresTotal++;
            schemaReady = false; // the tables are looked at again before the retry (an operator may have changed one)
            long delay = Backoff.delay(cfg.backoffInitial(), cfg.backoffMax(), failures).toMillis();
            nextAttemptAt = clock.millis() + delay;
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("ClickHouse shipping failed ({} in a row), retrying in {} ms: {}", failures, delay, lastError);
        }
    }

    /** Ships one batch if one is due; true when it was full (more may be waiting). */
    private boolean shipOne() throws IOException, ClickHouseException, SQLException {
        String state = buffer.consumerState(CONSUMER);
        long after = buffer.position(CONSUMER);
        Prepared p = prefetched(after);
        if (p == null) {
            p = prepare(after, false);
        }
        List<BufferedRecord> rows = p.rows;
        if (rows.isEmpty()) {
            return false;
        }
        long last = rows.get(rows.size() - 1).id();
        long through = unconfirmedThrough(state, after, last);
        boolean unconfirmed = through > after;
        boolean full = rows.size() >= p.limit;
        // the rest of a backlog just drained goes at once (at most one small insert after each full one)
        if (!unconfirmed && !full && !draining && clock.millis() - rows.get(0).receivedAt() < cfg.flushInterval().toMillis()) {
            return false;
        }
        long t0 = System.nanoTime();
        RowEncoder.Batch batch = p.batch != null && p.batch.eventsBinary == eventsBinary && p.batch.seriesBinary == seriesBinary
                ? p.batch : RowEncoder.encode(rows, eventsBinary, seriesBinary);
        buffer.saveConsumerState(CONSUMER, UNCONFIRMED + ":" + Math.max(through, last));
        if (full) {
            // a backlog: read and encode the next slice while ClickHouse takes this one (only used if this one is acknowledged)
            prefetch = workers.submit(() -> prepare(last, true));
        }
        List<DeadLetters.Letter> letters = new ArrayList<>(batch.rejected);
        Segment events = new Segment(batch.events.buf, batch.eventOff, batch.ids, batch.records);
        Segment series = new Segment(batch.series.buf, batch.seriesOff, batch.ids, batch.records);
        List<DeadLetters.Letter> eventLetters = new ArrayList<>();
        try {
            if (unconfirmed && batch.records > 0) {
                events = events.without(present("events", batch, false));
                series = series.without(present("series", batch, true));
            }
            // both tables at once: ClickHouse parses each insert on a thread of its own
            Segment ev = events;
            java.util.concurrent.Future<Void> evDone = workers.submit(() -> {
                insert("events", batch.eventsBinary, ev, 0, ev.n, rows, eventLetters);
                return null;
            });
            try {
                insert("series", batch.seriesBinary, series, 0, series.n, rows, letters);
            } finally {
                awaitInsert(evDone);
            }
        } catch (IOException e) {
            if (!(e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException)
                    && batch.records > 0) {
                // sent but not answered: the attempt may still land, after any retry's check
                deadLetters.watch(new DeadLetters.Watched(batch.ids[0], batch.ids[batch.records - 1],
                        List.copyOf(batch.lastSeenByRun.keySet()), clock.millis()));
                watchedBatches = deadLetters.watched().size();
            }
            throw e;
        }
        letters.addAll(eventLetters);
        deadLetters.add(letters, clock.millis());
        // an earlier, larger attempt still unconfirmed beyond this batch keeps its state until the cursor passes it
        buffer.acknowledge(CONSUMER, last, through > last ? UNCONFIRMED + ":" + through : null);
        if (full && shrink > 0 && ++fullBatchesSinceShrink >= GROW_AFTER) {
            shrink--;
            fullBatchesSinceShrink = 0;
            LOG.info("ClickHouse batches grow back to {} records / {} bytes", rowLimit(), byteLimit());
        }
        shippedRecords += batch.records;
        shippedSeriesRows += batch.seriesRows;
        skippedRecords += batch.skipped;
        deadLettered = deadLetters.count();
        batches++;
        lastBatchRecords = rows.size();
        lastBatchMillis = (System.nanoTime() - t0) / 1_000_000;
        if (!letters.isEmpty()) {
            LOG.warn("ClickHouse refused {} records of rows {}..{}; kept as dead letters: {}", letters.size(),
                    rows.get(0).id(), last, letters.get(0).error());
        }
        if (!batch.lastSeenByRun.isEmpty()) {
            try {
                runsSeen.accept(batch.lastSeenByRun);
            } catch (RuntimeException e) {
                LOG.warn("runs listener failed: {}", e.getMessage());
            }
        }
        return full;
    }

    /** The events insert beside the series insert, and the read-ahead of the next batch. */
    private final java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "nervesys-clickhouse-worker");
        t.setDaemon(true);
        return t;
    });
    private java.util.concurrent.Future<Prepared> prefetch;
    private boolean draining;

    /** A slice of the buffer after {@code after}, at most {@code limit} rows, encoded when read ahead. */
    private record Prepared(long after, int limit, List<BufferedRecord> rows, RowEncoder.Batch batch) {
    }

    private int rowLimit() {
        return Math.max(Math.min(MIN_BATCH_ROWS, cfg.batchRows()), cfg.batchRows() >> shrink);
    }

    private long byteLimit() {
        return Math.max(Math.min(MIN_BATCH_BYTES, maxBatchBytes), maxBatchBytes >> shrink);
    }

    private void shrinkBatches(String why) {
        fullBatchesSinceShrink = 0;
        if (rowLimit() > Math.min(MIN_BATCH_ROWS, cfg.batchRows()) || byteLimit() > Math.min(MIN_BATCH_BYTES, maxBatchBytes)) {
            shrink++;
            LOG.warn("ClickHouse batch not shipped ({}): batches halved to {} records / {} bytes until {} full ones went through",
                    why, rowLimit(), byteLimit(), GROW_AFTER);
        }
    }

    private Prepared prepare(long after, boolean encode) {
        long end = buffer.sliceEnd(after, byteLimit());
        int limit = (int) Math.max(1, Math.min(rowLimit(), end - after));
        List<BufferedRecord> rows = buffer.read(after, limit);
        return new Prepared(after, limit, rows, encode && !rows.isEmpty() ? RowEncoder.encode(rows, eventsBinary, seriesBinary) : null);
    }

    /** The read-ahead slice if it starts where the cursor is now, else null (it is dropped either way). */
    private Prepared prefetched(long after) {
        java.util.concurrent.Future<Prepared> f = prefetch;
        prefetch = null;
        if (f == null) {
            return null;
        }
        try {
            Prepared p = f.get();
            return p.after == after ? p : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null; // read again on this thread: a failure there is reported as usual
        }
    }

    /** Waits for the events insert; its failure is the batch's failure (nothing is acknowledged). */
    private static void awaitInsert(java.util.concurrent.Future<Void> f) throws IOException, ClickHouseException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof ClickHouseException ce) {
                throw ce;
            }
            throw new IOException(e.getCause());
        }
    }

    /**
     * Looks at the watched batches that are due: removes a late copy from both tables, and stops
     * watching a batch once its window is over. A failure here is logged and looked at again at the
     * next check; it never holds up shipping.
     */
    private void checkWatched() {
        long now = clock.millis();
        if (watchedBatches == 0 || now < nextWatchCheckAt) {
            return;
        }
        nextWatchCheckAt = now + cfg.lateInsertCheckEvery().toMillis();
        try {
            List<DeadLetters.Watched> watched = deadLetters.watched();
            int left = watched.size();
            for (DeadLetters.Watched w : watched) {
                for (String table : List.of("events", "series")) {
                    removeCopies(table, w);
                }
                if (now - w.since() >= cfg.lateInsertWindow().toMillis()) {
                    deadLetters.forget(w);
                    left--;
                }
            }
            watchedBatches = left;
        } catch (IOException | ClickHouseException | SQLException | RuntimeException e) {
            LOG.warn("ClickHouse late-insert check failed, looked at again in {} ms: {}",
                    cfg.lateInsertCheckEvery().toMillis(), e.getMessage());
        }
    }

    private static String where(DeadLetters.Watched w) {
        return " WHERE run_id IN (" + w.runs().stream().map(ClickHouseClient::quote).collect(Collectors.joining(","))
                + ") AND buffer_id BETWEEN " + w.first() + " AND " + w.last();
    }

    /** Rows of a watched batch in the table ({@link #where}), and how many of them are distinct. */
    private long[] rowsAndDistinct(String table, String where) throws IOException, ClickHouseException {
        String[] cells = ch.execute("SELECT count(), (SELECT count() FROM (SELECT DISTINCT * FROM " + ch.table(table) + where
                + ")) FROM " + ch.table(table) + where + " FORMAT TabSeparated").trim().split("\t");
        return new long[] {Long.parseLong(cells[0]), Long.parseLong(cells[1])};
    }

    private void removeCopies(String table, DeadLetters.Watched w) throws IOException, ClickHouseException {
        String where = where(w);
        long[] before = rowsAndDistinct(table, where);
        if (before[0] == before[1]) {
            return;
        }
        Map<String, String> settings = Map.of("optimize_throw_if_noop", "1");
        String partitions = ch.execute("SELECT DISTINCT toYYYYMM(time) FROM " + ch.table(table) + where + " FORMAT TabSeparated");
        for (String p : partitions.split("\n")) {
            if (!p.isBlank()) {
                ch.execute("OPTIMIZE TABLE " + ch.table(table) + " PARTITION " + Long.parseLong(p.trim()) + " FINAL DEDUPLICATE", settings);
            }
        }
        long[] after = rowsAndDistinct(table, where);
        duplicatesRemoved += before[0] - after[0];
        LOG.warn("ClickHouse stored {} rows of {} twice (buffer ids {}..{}: a timed-out insert landed after its retry);"
                + " removed {} copies", before[0] - before[1], table, w.first(), w.last(), before[0] - after[0]);
    }

    /** Buffer ids of the batch that a previous, unconfirmed attempt already stored in the table. */
    private Set<Long> present(String table, RowEncoder.Batch batch, boolean series) throws IOException, ClickHouseException {
        String runs = batch.lastSeenByRun.keySet().stream().map(ClickHouseClient::quote).collect(Collectors.joining(","));
        String sql = "SELECT DISTINCT buffer_id FROM " + ch.table(table) + " WHERE run_id IN (" + runs + ")"
                + " AND buffer_id BETWEEN " + batch.ids[0] + " AND " + batch.ids[batch.records - 1] + " FORMAT TabSeparated";
        Set<Long> ids = new HashSet<>();
        for (String line : ch.execute(sql).split("\n")) {
            if (!line.isBlank()) {
                ids.add(Long.parseLong(line.trim()));
            }
        }
        if (!ids.isEmpty()) {
            LOG.info("ClickHouse already holds {} records of an unconfirmed batch in {}: not sent again", ids.size(), table);
        }
        return ids;
    }

    /**
     * Inserts records [lo, hi) of the segment; when ClickHouse refuses their data, halves until single
     * records remain. Record boundaries are row boundaries in both formats, and the encoder writes only
     * values their columns can read, so every half is a well-formed insert of its own.
     */
    private void insert(String table, boolean binary, Segment s, int lo, int hi, List<BufferedRecord> rows,
            List<DeadLetters.Letter> letters) throws IOException, ClickHouseException {
        int from = s.off[lo];
        int to = s.off[hi];
        if (lo >= hi || from == to) {
            return;
        }
        try {
            if (binary) {
                ch.insertRowBinary(table, table.equals("events") ? RowEncoder.EVENTS_COLUMNS : RowEncoder.SERIES_COLUMNS,
                        s.buf, from, to - from);
            } else {
                ch.insert(table, s.buf, from, to - from);
            }
        } catch (ClickHouseException e) {
            if (!e.rejectsData()) {
                throw e;
            }
            if (binary && lo == 0 && hi == s.n && !ClickHouseSchema.rowBinaryFits(ch, table)) {
                // the table changed under a RowBinary insert: its refusal says nothing about the rows
                throw new IOException("table " + table + " changed: encoding again", e);
            }
            if (hi - lo == 1) {
                BufferedRecord r = rows.get((int) (s.ids[lo] - rows.get(0).id()));
                letters.add(new DeadLetters.Letter(r.id(), r.receivedAt(), r.body(), table, e.getMessage()));
                return;
            }
            int mid = (lo + hi) >>> 1;
            insert(table, binary, s, lo, mid, rows, letters);
            insert(table, binary, s, mid, hi, rows, letters);
        }
    }

    /** Records [0, n) of one table's lines: record i is buf[off[i], off[i+1]). */
    private record Segment(byte[] buf, int[] off, long[] ids, int n) {

        Segment without(Set<Long> present) {
            if (present.isEmpty()) {
                return this;
            }
            RowEncoder.Bytes b = new RowEncoder.Bytes(buf.length);
            int[] o = new int[n + 1];
            long[] keep = new long[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (!present.contains(ids[i])) {
                    int len = off[i + 1] - off[i];
                    System.arraycopy(buf, off[i], b.buf, b.size, len);
                    b.size += len;
                    keep[k++] = ids[i];
                    o[k] = b.size;
                }
            }
            return new Segment(b.buf, o, keep, k);
        }
    }

    public long pendingRows() {
        return ch == null ? 0 : buffer.pendingRows(CONSUMER);
    }

    public long deadLetterCount() {
        return deadLettered;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    public int consecutiveFailures() {
        return failures;
    }

    public String lastError() {
        return lastError;
    }

    /** When the current streak of failures began, epoch ms; 0 while the last attempt succeeded. */
    public long failingSince() {
        return failures == 0 ? 0 : failingSince;
    }

    /** When the last tick shipped (or found nothing to ship) without error, epoch ms; 0 before. */
    public long lastSuccessAt() {
        return lastSuccessAt;
    }

    /** Age of the oldest record not yet in ClickHouse (zero when shipping is off or nothing waits). */
    public java.time.Duration lag() {
        if (ch == null) {
            return java.time.Duration.ZERO;
        }
        long oldest = buffer.receivedAfter(buffer.position(CONSUMER));
        return oldest < 0 ? java.time.Duration.ZERO : java.time.Duration.ofMillis(Math.max(0, clock.millis() - oldest));
    }

    /** Prometheus: nervesys_clickhouse_* (docs/clickhouse.md, docs/operations.md). All zero while shipping is off. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nervesys.clickhouse.lag.seconds", this, c -> c.lag().toMillis() / 1000.0)
                .description("Age of the oldest record not yet shipped to ClickHouse").register(registry);
        Gauge.builder("nervesys.clickhouse.pending.records", this, ClickHouseShipper::pendingRows)
                .description("Records waiting in the buffer for ClickHouse").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.shipped.records", this, c -> c.shippedRecords)
                .description("Records inserted into ClickHouse (confirmed)").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.series.rows", this, c -> c.shippedSeriesRows)
                .description("Rows inserted into the series table (one per value of a telemetry record)").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.batches", this, c -> c.batches)
                .description("Batches inserted into ClickHouse (confirmed)").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.dead.letters", this, c -> c.deadLettered - c.deadLetteredAtStart)
                .description("Records ClickHouse refused as data since start, kept as dead letters").register(registry);
        Gauge.builder("nervesys.clickhouse.dead.letters.stored", this, c -> c.deadLettered)
                .description("Dead letters kept in the dead-letter file").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.failures", this, c -> c.failuresTotal)
                .description("Failed shipping attempts (each one retried with backoff)").register(registry);
        FunctionCounter.builder("nervesys.clickhouse.duplicates.removed", this, c -> c.duplicatesRemoved)
                .description("Rows of a late copy of a batch (an insert that landed after its retry) removed again").register(registry);
        Gauge.builder("nervesys.clickhouse.batch.limit.records", this, c -> c.rowLimit())
                .description("Records per batch now (halved after a timeout or a full heap, grown back after full batches)")
                .register(registry);
        Gauge.builder("nervesys.clickhouse.watched.batches", this, c -> c.watchedBatches)
                .description("Batches sent again, watched for a late copy of an earlier attempt").register(registry);
        Gauge.builder("nervesys.clickhouse.consecutive.failures", this, c -> c.failures)
                .description("Failed shipping attempts since the last success").register(registry);
    }

    @Override
    public String statusName() {
        return "clickhouse";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", cfg.describe());
        if (ch == null) {
            return m;
        }
        m.put("pendingRows", pendingRows());
        m.put("shippedRecords", shippedRecords);
        m.put("shippedSeriesRows", shippedSeriesRows);
        m.put("skippedNonTelemetry", skippedRecords);
        m.put("batches", batches);
        m.put("lastBatchRecords", lastBatchRecords);
        m.put("lastBatchMillis", lastBatchMillis);
        m.put("deadLetters", deadLettered);
        m.put("batchLimitRows", rowLimit());
        m.put("watchedBatches", watchedBatches);
        m.put("duplicatesRemoved", duplicatesRemoved);
        m.put("consecutiveFailures", failures);
        m.put("lastError", lastError);
        m.put("lastSuccessAt", lastSuccessAt == 0 ? null : java.time.Instant.ofEpochMilli(lastSuccessAt).toString());
        return m;
    }

    /**
     * Stops the worker threads (the events insert and the read-ahead). The agent closes its beans
     * after the Camel context stopped, when no tick runs any more: at most a read-ahead is dropped,
     * and the cursor only ever moves after a confirmed insert.
     */
    @Override
    public void close() {
        workers.shutdownNow();
    }
}
