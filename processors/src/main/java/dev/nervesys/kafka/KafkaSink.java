package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.common.Backoff;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.RouteBinding;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.camel.Route;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code kafkaSink}: the Kafka -> ClickHouse side (module {@code kafka-sink}), a worker thread
 * with a Kafka consumer of its own ({@link KafkaClients#consumer()}) that runs while route
 * {@code kafka-sink} runs (its {@code routePolicy}; suspended, it keeps its partitions and takes no
 * records). Each poll is encoded straight from the {@link ConsumerRecord}s into RowBinary with the
 * shipper's {@link RowEncoder} (no Camel exchange per record); {@code events} and {@code series} are
 * then checked and inserted at the same time, one table per thread; only after ClickHouse confirmed
 * both inserts are the poll's offsets committed, partition by partition. The next poll is read,
 * encoded and checked while ClickHouse takes the current one; its inserts start only after the
 * current one's were confirmed. Its checks cannot see what the current poll stores, so the current
 * poll's own records count as present too ({@link Poll#stored}): a copy of a record in both polls is
 * found all the same.
 *
 * <p>No duplicates after a crash between insert and commit: like the shipper's check of an
 * unconfirmed batch, the sink asks ClickHouse which {@code (run_id, buffer_id)} of the poll each table
 * already holds and sends only the others. A sink cannot know whether the node that owned a
 * partition before (killed, or a rebalance) inserted beyond its last commit, so every poll is
 * checked: one {@code SELECT DISTINCT} per table over the poll's runs and id range. Copies that the
 * publisher sent twice are dropped the same way, and within one poll by the same pair. Run ids are
 * assumed unique in the fleet (the tables have no agent column; docs/kafka.md).
 *
 * <p>A failed insert is retried with backoff on the worker, holding the poll, until ClickHouse takes
 * it or the route stops (then nothing of it is committed, and the next owner of the partitions reads
 * it again). Rows ClickHouse refuses as data are found by halving and are logged and counted, not
 * kept (the shipper's dead-letter file is per agent; left out here).
 */
public final class KafkaSink extends RouteBinding implements StatusReporter, MeterBinder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    /**
     * Tests only: this many polls fail after ClickHouse confirmed their insert and before their
     * offsets are committed, as a node that dies between the two (the poll is read again).
     */
    static final AtomicInteger CRASH_AFTER_INSERT_FOR_TEST = new AtomicInteger();
    /** ClickHouse's {@code max_insert_block_size} default: an INSERT of up to this many rows is stored as one block. */
    static final long ONE_BLOCK_ROWS = 1_048_576;
    private static final java.time.Duration SHORT_POLL = java.time.Duration.ofMillis(5);
    private static final byte[] TELEMETRY = RecordKind.TELEMETRY.label().getBytes(StandardCharsets.UTF_8);

    private final ClickHouseClient ch;
    private final KafkaSettings cfg;
    private final KafkaClients clients;
    private final Clock clock;
    private final KafkaLag lag;
    private final Set<Route> routes = new HashSet<>();
    private Thread worker;
    private volatile boolean running;
    private volatile boolean suspended;
    /** The two tables' checks and inserts, side by side; made with the worker. */
    private ExecutorService tables;
    /** Half of each poll's encoding, beside the worker. */
    private ExecutorService encoders;
    private volatile boolean schemaReady;
    private volatile boolean eventsBinary;
    private volatile boolean seriesBinary;
    private volatile long insertedRecords;
    private volatile long duplicates;
    /** Records of events found stored by the poll before, whose insert ran beside this poll's check (tests). */
    final AtomicLong copiesOfPollBefore = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile long skipped;
    private volatile long batches;
    private volatile long failuresTotal;
    private volatile long commitFailures;
    private volatile int failures;
    private volatile String lastError;
    private volatile long lastSuccessAt;
    private volatile long lastBatchMillis;
    /** Per-stage timers (nervesys.kafka.sink.stage); no-ops until metrics are bound. */
    private volatile Stages stages = Stages.NONE;
    /** Agent commit (nervesys.received) to ClickHouse confirmation, per record; null until metrics are bound. */
    private volatile io.micrometer.core.instrument.Timer latency;

    /** @param ch null when ClickHouse is not configured ({@code nervesys.clickhouse.url} empty): every poll then fails */
    public KafkaSink(ClickHouseClient ch, KafkaSettings cfg, KafkaClients clients, KafkaLag lag, Clock clock) {
        this.ch = ch;
        this.cfg = cfg;
        this.clients = clients;
        this.lag = lag;
        this.clock = clock;
    }

    /** What the route's start logs. */
    public String target() {
        return cfg.describe() + ", topic " + clients.telemetryTopic() + ", group " + cfg.sinkGroup();
    }

    // ---- the worker follows route kafka-sink ----

    @Override
    protected synchronized void routeStarted(Route route) {
        routes.add(route);
        suspended = false;
        if (worker == null) {
            running = true;
            tables = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "nervesys-kafka-sink-insert");
                t.setDaemon(true);
                return t;
            });
            encoders = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "nervesys-kafka-sink-encode");
                t.setDaemon(true);
                return t;
            });
            worker = new Thread(this::work, "nervesys-kafka-sink");
            worker.setDaemon(true);
            worker.start();
        }
    }

    @Override
    protected void routeSuspended(Route route) {
        suspended = true; // the worker finishes the poll in hand, then holds its partitions without taking records
    }

    @Override
    protected void routeResumed(Route route) {
        routeStarted(route);
    }

    @Override
    protected void routeStopped(Route route) {
        Thread t;
        synchronized (this) {
            routes.remove(route);
            if (!routes.isEmpty() || worker == null) {
                return;
            }
            t = worker;
            worker = null;
            running = false;
        }
        try {
            t.join(cfg.timeout().toMillis() + cfg.sinkPollTimeout().toMillis() + 30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Route[] all;
        synchronized (this) {
            all = routes.toArray(new Route[0]);
        }
        for (Route r : all) {
            routeStopped(r);
        }
    }

    /** One poll, encoded: per group of records (agent and run) its rows; the offsets to commit once inserted. */
    private static final class Poll {
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        final Map<String, Group> groups = new LinkedHashMap<>();
        List<RowEncoder.Batch> encoded;
        boolean eventsBinary;
        boolean seriesBinary;
        final List<String> runs = new ArrayList<>();
        boolean started;
        long[] received = new long[0];
        int receivedCount;
        long dupInPoll;
        int size;
        final long t0 = System.nanoTime();
        Future<long[]> events;
        Future<long[]> series;
        /**
         * Each table's check, started while ClickHouse still took the poll before ({@link #prev}); null
         * when not started or no longer valid (a failed attempt of this poll: its retry checks again).
         */
        Future<Set<String>> eventsCheck;
        Future<Set<String>> seriesCheck;
        /**
         * The poll that was in ClickHouse's hands when this poll's checks started: what it stored is
         * not seen by those checks, so its records count as present too (dropped once this poll's
         * inserts ran).
         */
        Poll prev;
        /** Per table, the records ClickHouse refused (by {@code run \0 id}): not stored, so not present for the next poll. */
        final Set<String> refusedEvents = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<String> refusedSeries = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private Map<String, Integer> runIndex;
        private long[] idLo;
        private long[] idHi;
        private Set<Long>[] idSets;

        /**
         * Whether this poll, inserted and confirmed, left the record (run, id) in the table: it was
         * one of its encoded records and ClickHouse did not refuse it there.
         */
        @SuppressWarnings("unchecked")
        synchronized boolean stored(boolean events, String run, long id) {
            if (encoded == null) {
                return false;
            }
            if (runIndex == null) {
                runIndex = new HashMap<>();
                idLo = new long[runs.size()];
                idHi = new long[runs.size()];
                for (int g = 0; g < runs.size(); g++) {
                    runIndex.putIfAbsent(runs.get(g), g);
                    RowEncoder.Batch b = encoded.get(g);
                    idLo[g] = b.minId();
                    idHi[g] = b.maxId();
                }
                idSets = new Set[runs.size()];
            }
            if (runIndex.size() < runs.size()) {
                // the same run id from two agents in this poll (run ids are assumed unique): every group of it
                boolean any = false;
                for (int g = 0; g < runs.size() && !any; g++) {
                    if (runs.get(g).equals(run)) {
                        RowEncoder.Batch b = encoded.get(g);
                        for (int i = 0; i < b.records && !any; i++) {
                            any = b.ids[i] == id;
                        }
                    }
                }
                if (!any) {
                    return false;
                }
            } else {
                Integer g = runIndex.get(run);
                if (g == null || id < idLo[g] || id > idHi[g]) {
                    return false;
                }
                if (idSets[g] == null) {
                    RowEncoder.Batch b = encoded.get(g);
                    Set<Long> ids = new HashSet<>();
                    for (int i = 0; i < b.records; i++) {
                        ids.add(b.ids[i]);
                    }
                    idSets[g] = ids;
                }
                if (!idSets[g].contains(id)) {
                    return false;
                }
            }
            Set<String> refusedThere = events ? refusedEvents : refusedSeries;
            return refusedThere.isEmpty() || !refusedThere.contains(run + "\u0000" + id);
        }

        /** Whether both tables' inserts ended (or never started: finish() starts them). */
        boolean inserted() {
            return !started || (events == null || events.isDone()) && (series == null || series.isDone());
        }
    }

    /**
     * Consumes until the route stops. A consumer that fails in a way its own retries do not cover is
     * closed and a new one made after a backoff: it joins the group again and reads from the
     * committed offsets (the check drops what was inserted and not committed).
     */
    private void work() {
        ExecutorService pool = tables;
        ExecutorService encoding = encoders;
        try {
            for (int attempt = 1; running; attempt++) {
                try {
                    consume();
                } catch (RuntimeException e) {
                    failuresTotal++;
                    lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                    long delay = Backoff.delay(cfg.backoffInitial(), cfg.backoffMax(), attempt).toMillis();
                    LOG.warn("Kafka sink: consumer failed, a new one reads from the committed offsets in {} ms", delay, e);
                    sleepWhileRunning(delay);
                }
            }
        } catch (Error e) {
            LOG.error("Kafka sink worker ended unexpectedly; the next owner of its partitions reads them from the committed offsets", e);
            lastError = e.toString();
        } finally {
            pool.shutdownNow();
            encoding.shutdownNow();
        }
    }

    private void consume() {
        Poll[] current = new Poll[1];
        try (Consumer<byte[], byte[]> consumer = clients.consumer()) {
            consumer.subscribe(List.of(clients.telemetryTopic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // the poll in ClickHouse's hands is finished and committed before its partitions go to another node
                    if (current[0] != null && running) {
                        finish(consumer, current[0]);
                    }
                    current[0] = null;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (suspended) {
                        consumer.pause(partitions);
                    }
                }
            });
            boolean paused = false;
            while (running) {
                if (suspended != paused) {
                    if (suspended && current[0] != null) {
                        finish(consumer, current[0]);
                        current[0] = null;
                    }
                    paused = suspended;
                    if (paused) {
                        consumer.pause(consumer.assignment());
                    } else {
                        consumer.resume(consumer.paused());
                    }
                }
                ConsumerRecords<byte[], byte[]> records;
                Stages st = stages;
                long t = System.nanoTime();
                if (current[0] == null) {
                    records = consumer.poll(cfg.sinkPollTimeout());
                } else {
                    // the next poll while ClickHouse takes the current one, without waiting longer than that takes
                    do {
                        records = consumer.poll(SHORT_POLL);
                    } while (records.isEmpty() && running && !current[0].inserted());
                }
                if (records.isEmpty()) {
                    t = st.record(st.pollEmpty, t);
                } else {
                    t = st.record(st.poll, t);
                }
                Poll next = records.isEmpty() ? null : read(records);
                if (next != null) {
                    t = st.record(st.read, t);
                }
                if (next != null && schemaReady) {
                    encode(next, eventsBinary, seriesBinary); // while ClickHouse takes the poll before it
                    t = st.record(st.encode, t);
                    if (current[0] != null && current[0].started) {
                        startChecks(next, current[0]); // likewise its checks: what the poll before stores is added to them
                    }
                }
                if (current[0] != null && !finish(consumer, current[0])) {
                    current[0] = null;
                    continue; // stopping, or read again from the committed offsets: next is dropped with it
                }
                current[0] = next;
                if (next != null) {
                    try {
                        startInserts(next);
                    } catch (IOException | ClickHouseException | RuntimeException e) {
                        next.started = false; // finish() tries again, with backoff
                    }
                }
            }
            if (current[0] != null) {
                // stopping: what ClickHouse confirms of the poll in hand is committed; if it failed, it is read again
                finish(consumer, current[0]);
            }
        } finally {
            if (current[0] != null) {
                // not committed: what it still inserts must be in ClickHouse before a new consumer's check looks
                awaitQuietly(current[0].events);
                awaitQuietly(current[0].series);
            }
        }
    }

    /** The records of one agent and run (buffer ids are unique within it), in the order read. */
    private static final class Group {
        final String run;
        final List<BufferedRecord> rows = new ArrayList<>();
        long maxId = -1;
        Set<Long> ids; // made only when an id comes out of order (a publisher's copy, or another partition's interleaving)

        Group(String run) {
            this.run = run;
        }

        /** False when the poll holds this id of the run already. */
        boolean add(BufferedRecord r) {
            if (r.id() <= maxId) {
                if (ids == null) {
                    ids = new HashSet<>();
                    for (BufferedRecord x : rows) {
                        ids.add(x.id());
                    }
                }
                if (!ids.add(r.id())) {
                    return false;
                }
            } else {
                maxId = r.id();
                if (ids != null) {
                    ids.add(r.id());
                }
            }
            rows.add(r);
            return true;
        }
    }

    /**
     * The poll's records, grouped by agent and run: read straight from the ConsumerRecords (no Camel
     * exchange per record), partition by partition (one offset to commit each), each record's headers
     * in one pass (the last of a name counts, as {@code lastHeader}; the three wire formats of
     * docs/kafka.md: header nervesys = kind:id:received, else the three headers of earlier releases;
     * header nervesys.agent, else the key up to its first '/'), and a record whose key and
     * agent are those of the record before joins its group without a String made of them.
     */
    private Poll read(ConsumerRecords<byte[], byte[]> records) {
        Poll p = new Poll();
        p.size = records.count();
        p.received = new long[p.size];
        long skippedNow = 0;
        byte[] lastAgentBytes = null;
        String agent = null;
        byte[] lastKey = null;
        Group lastGroup = null;
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> part = records.records(tp);
            if (part.isEmpty()) {
                continue;
            }
            p.offsets.put(tp, new OffsetAndMetadata(part.get(part.size() - 1).offset() + 1));
            for (ConsumerRecord<byte[], byte[]> r : part) {
                byte[] agentValue = null;
                byte[] metaValue = null;
                byte[] idValue = null;
                byte[] receivedValue = null;
                byte[] kindValue = null;
                boolean hasAgent = false;
                boolean hasKind = false;
                for (Header h : r.headers()) {
                    String k = h.key();
                    switch (k.length()) {
                        case 8 -> {
                            if (k.equals(KafkaPublisher.H_META)) {
                                metaValue = h.value();
                            }
                        }
                        case 14 -> {
                            if (k.equals(KafkaPublisher.H_AGENT)) {
                                hasAgent = true;
                                agentValue = h.value();
                            }
                        }
                        case 11 -> {
                            if (k.equals(KafkaPublisher.H_ID)) {
                                idValue = h.value();
                            }
                        }
                        case 17 -> {
                            if (k.equals(KafkaPublisher.H_RECEIVED)) {
                                receivedValue = h.value();
                            }
                        }
                        case 13 -> {
                            if (k.equals(KafkaPublisher.H_KIND)) {
                                hasKind = true;
                                kindValue = h.value();
                            }
                        }
                        default -> {
                        }
                    }
                }
                long id;
                long received;
                boolean telemetry;
                if (metaValue != null) {
                    // the current format: one header <kind>:<id>:<received> (the three older headers, if any, are not read)
                    int c1 = indexOf(metaValue, 0);
                    int c2 = c1 < 0 ? -1 : indexOf(metaValue, c1 + 1);
                    int c3 = c2 < 0 ? -1 : indexOf(metaValue, c2 + 1);
                    telemetry = c1 == TELEMETRY.length && java.util.Arrays.equals(metaValue, 0, c1, TELEMETRY, 0, c1);
                    id = c2 < 0 ? -1 : number(metaValue, c1 + 1, c2);
                    received = c2 < 0 ? -1 : number(metaValue, c2 + 1, c3 < 0 ? metaValue.length : c3);
                } else {
                    // releases before: headers nervesys.id, nervesys.kind, nervesys.received
                    telemetry = hasKind && java.util.Arrays.equals(kindValue, TELEMETRY);
                    id = number(idValue);
                    received = number(receivedValue);
                }
                byte[] body = r.value();
                if (!hasAgent) {
                    // the current wire format: the agent is the key up to its first '/' (no header unless the id holds one)
                    agentValue = agentOfKey(r.key(), lastAgentBytes);
                    hasAgent = agentValue != null;
                }
                if (!hasAgent || agentValue == null || id < 0 || body == null || !telemetry) {
                    skippedNow++; // not a Nervesys telemetry record: the tables take telemetry only
                    continue;
                }
                byte[] keyBytes = r.key();
                Group g;
                if (lastGroup != null && keyBytes != null && java.util.Arrays.equals(agentValue, lastAgentBytes)
                        && java.util.Arrays.equals(keyBytes, lastKey)) {
                    g = lastGroup; // same agent and key as the record before: the same group
                } else {
                    if (!java.util.Arrays.equals(agentValue, lastAgentBytes)) {
                        lastAgentBytes = agentValue;
                        agent = new String(lastAgentBytes, StandardCharsets.UTF_8);
                    }
                    String key = keyBytes == null ? null : new String(keyBytes, StandardCharsets.UTF_8);
                    g = key == null ? null : p.groups.get(key);
                    if (g == null || !key.startsWith(agent) || key.length() <= agent.length() || key.charAt(agent.length()) != '/') {
                        String run;
                        String name;
                        if (key != null && key.length() > agent.length() && key.startsWith(agent) && key.charAt(agent.length()) == '/') {
                            name = key;
                            run = key.substring(agent.length() + 1);
                        } else {
                            run = key != null && key.indexOf('/') >= 0 ? key.substring(key.indexOf('/') + 1) : RunKey.runId(body);
                            name = agent + "/" + run;
                        }
                        g = p.groups.computeIfAbsent(name, k -> new Group(run));
                    }
                    // a group found by its body's run id (no usable key) is not remembered by key
                    boolean byKey = key != null && key.length() > agent.length() && key.startsWith(agent)
                            && key.charAt(agent.length()) == '/';
                    lastKey = byKey ? keyBytes : null;
                    lastGroup = byKey ? g : null;
                }
                if (!g.add(new BufferedRecord(id, RecordKind.TELEMETRY, Math.max(0, received), body))) {
                    p.dupInPoll++; // the publisher sent it twice within this poll
                    continue;
                }
                if (received >= 0) {
                    p.received[p.receivedCount++] = received;
                }
            }
        }
        skipped += skippedNow;
        return p;
    }

    /**
     * Encodes the poll's groups (RowBinary where the tables take it), unless already encoded in the
     * formats given: the groups are shared out over this thread and one of the pool's.
     */
    private void encode(Poll p, boolean eb, boolean sb) {
        if (p.encoded != null && p.eventsBinary == eb && p.seriesBinary == sb) {
            return;
        }
        boolean first = p.encoded == null;
        List<Group> groups = new ArrayList<>(p.groups.values());
        RowEncoder.Batch[] out = new RowEncoder.Batch[groups.size()];
        // the first groups up to about half the records on the other thread (small polls: all here)
        int total = 0;
        for (Group g : groups) {
            total += g.rows.size();
        }
        boolean[] other = new boolean[groups.size()];
        int half = 0;
        for (int i = 0; i < groups.size() && total >= 2000 && half < total / 2; i++) {
            other[i] = true;
            half += groups.get(i).rows.size();
        }
        Future<?> side = half == 0 ? null : encoders.submit(() -> {
            for (int i = 0; i < out.length; i++) {
                if (other[i]) {
                    out[i] = RowEncoder.encode(groups.get(i).rows, eb, sb);
                }
            }
        });
        for (int i = 0; i < out.length; i++) {
            if (!other[i]) {
                out[i] = RowEncoder.encode(groups.get(i).rows, eb, sb);
            }
        }
        if (side != null) {
            try {
                side.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while encoding", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("encoding failed", e.getCause());
            }
        }
        p.encoded = new ArrayList<>();
        p.runs.clear();
        p.eventsBinary = eb;
        p.seriesBinary = sb;
        for (int i = 0; i < out.length; i++) {
            RowEncoder.Batch b = out[i];
            String run = groups.get(i).run;
            if (first && !b.rejected.isEmpty()) {
                refused.addAndGet(b.rejected.size());
                LOG.warn("Kafka sink: {} records of run {} cannot be stored (not counted as inserted): {}", b.rejected.size(), run,
                        b.rejected.get(0).error());
            }
            if (first) {
                skipped += b.skipped;
            }
            if (b.records > 0) {
                p.encoded.add(b);
                p.runs.add(run);
            }
        }
    }

    /**
     * Both tables' checks of a poll, started while ClickHouse still takes the poll before it: those
     * checks do not see what that poll stores, so {@link #store} counts that poll's records as present
     * too ({@link Poll#stored}). Every poll before that one was confirmed before these checks began.
     */
    private void startChecks(Poll p, Poll inFlight) {
        if (p.encoded.isEmpty()) {
            return;
        }
        p.prev = inFlight;
        List<RowEncoder.Batch> encoded = List.copyOf(p.encoded);
        List<String> runs = List.copyOf(p.runs);
        boolean sb = p.seriesBinary;
        p.eventsCheck = tables.submit(() -> present("events", encoded, runs, false));
        p.seriesCheck = tables.submit(() -> present("series", encoded, runs, sb));
    }

    /** Both tables' check and insert, side by side, once the schema is known and the poll encoded for it. */
    private void startInserts(Poll p) throws IOException, ClickHouseException {
        ensureSchema();
        encode(p, eventsBinary, seriesBinary);
        if (!p.encoded.isEmpty()) {
            p.events = tables.submit(() -> store(p, "events"));
            p.series = tables.submit(() -> store(p, "series"));
        }
        p.started = true;
    }

    /**
     * Waits for the poll's inserts (again, with backoff, while ClickHouse fails), then commits its
     * offsets. False when the worker stops before ClickHouse took the poll, or when the poll is to be
     * read again (every partition then sought back to its committed offset).
     */
    private boolean finish(Consumer<byte[], byte[]> consumer, Poll p) {
        Stages st = stages;
        long t = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                if (!p.started) {
                    startInserts(p);
                }
                long[] e = p.events == null ? new long[2] : p.events.get();
                if (p.series != null) {
                    p.series.get();
                }
                insertedRecords += e[0];
                duplicates += e[1] + p.dupInPoll;
                break;
            } catch (Exception e) {
                // both tables again: the check of each finds what its earlier attempt inserted
                awaitQuietly(p.events);
                awaitQuietly(p.series);
                awaitQuietly(p.eventsCheck);
                awaitQuietly(p.seriesCheck);
                p.events = null;
                p.series = null;
                p.eventsCheck = null;
                p.seriesCheck = null;
                p.started = false;
                failuresTotal++;
                failures = attempt;
                schemaReady = false;
                Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                lastError = c.getClass().getSimpleName() + ": " + c.getMessage();
                if (!running || c instanceof InterruptedException) {
                    return false;
                }
                long delay = Backoff.delay(cfg.backoffInitial(), cfg.backoffMax(), attempt).toMillis();
                LOG.warn("Kafka sink: ClickHouse insert failed ({} in a row), poll of {} records held, retrying in {} ms: {}", attempt,
                        p.size, delay, lastError);
                if (!sleepWhileRunning(delay)) {
                    return false;
                }
            }
        }
        if (failures > 0) {
            LOG.info("Kafka sink: ClickHouse inserts resumed after {} failed attempts", failures);
        }
        failures = 0;
        lastError = null;
        if (CRASH_AFTER_INSERT_FOR_TEST.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            LOG.warn("Kafka sink (test): stopped between the insert and the offset commit");
            return reread(consumer);
        }
        t = st.record(st.await, t);
        try {
            consumer.commitSync(p.offsets);
            st.record(st.commit, t);
        } catch (RuntimeException e) {
            // the partitions moved to another node meanwhile: it reads these records again and finds them in ClickHouse
            commitFailures++;
            LOG.warn("Kafka sink: offset commit failed (its records are in ClickHouse; a new owner skips them): {}", e.getMessage());
        }
        io.micrometer.core.instrument.Timer lat = latency;
        if (lat != null) {
            long now = clock.millis();
            for (int i = 0; i < p.receivedCount; i++) {
                lat.record(Math.max(0, now - p.received[i]), TimeUnit.MILLISECONDS);
            }
        }
        p.prev = null;
        batches++;
        lastSuccessAt = clock.millis();
        lastBatchMillis = (System.nanoTime() - p.t0) / 1_000_000;
        st.record(st.total, p.t0);
        return true;
    }

    /** As a node that died here: every assigned partition sought back to its committed offset, read again. Returns false. */
    private static boolean reread(Consumer<byte[], byte[]> consumer) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(consumer.assignment());
        for (TopicPartition tp : consumer.assignment()) {
            OffsetAndMetadata c = committed.get(tp);
            if (c == null) {
                consumer.seekToBeginning(Set.of(tp));
            } else {
                consumer.seek(tp, c.offset());
            }
        }
        return false;
    }

    private static void awaitQuietly(Future<?> f) {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean sleepWhileRunning(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        try {
            while (System.nanoTime() < end) {
                if (!running) {
                    return false;
                }
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return running;
    }

    /** The schema, once (and again after a failure), and which format each table takes. */
    private void ensureSchema() throws IOException, ClickHouseException {
        if (ch == null) {
            // held and retried with backoff like an outage (never a hot loop of failed polls)
            throw new IllegalStateException("nervesys.clickhouse.url is empty: the Kafka sink has nowhere to insert");
        }
        synchronized (this) {
            if (!schemaReady) {
                ClickHouseSchema.create(ch);
                eventsBinary = ClickHouseSchema.rowBinaryFits(ch, "events");
                seriesBinary = ClickHouseSchema.rowBinaryFits(ch, "series");
                schemaReady = true;
            }
        }
    }

    /**
     * One table of the poll: the pairs it already holds are asked for, the others inserted. Returns
     * {records inserted, records found there already}.
     */
    private long[] store(Poll p, String table) throws Exception {
        boolean events = table.equals("events");
        boolean binary = events ? p.eventsBinary : p.seriesBinary;
        Stages st = stages;
        long t = System.nanoTime();
        Set<String> present = null;
        Future<Set<String>> early = events ? p.eventsCheck : p.seriesCheck;
        if (early != null) {
            try {
                present = early.get();
            } catch (ExecutionException e) {
                present = null; // checked again here
            }
        }
        Poll before = early == null ? null : p.prev;
        if (present == null) {
            present = present(table, p.encoded, p.runs, !events && p.seriesBinary);
            before = null; // this check saw everything the poll before stored
        }
        t = st.record(events ? st.checkWaitEvents : st.checkWaitSeries, t);
        Rows rows = new Rows();
        long fresh = 0;
        long dup = 0;
        for (int g = 0; g < p.encoded.size(); g++) {
            RowEncoder.Batch b = p.encoded.get(g);
            String run = p.runs.get(g);
            byte[] buf = events ? b.events.buf : b.series.buf;
            int[] off = events ? b.eventOff : b.seriesOff;
            for (int i = 0; i < b.records; i++) {
                boolean inPollBefore = false;
                if ((present.isEmpty() || !present.contains(run + "\u0000" + b.ids[i]))
                        && !(inPollBefore = before != null && before.stored(events, run, b.ids[i]))) {
                    rows.add(buf, off[i], off[i + 1], run, b.ids[i]);
                    fresh++;
                } else {
                    dup++;
                    if (inPollBefore && events) {
                        copiesOfPollBefore.incrementAndGet();
                    }
                }
            }
        }
        t = st.record(events ? st.filterEvents : st.filterSeries, t);
        insert(table, binary, rows, 0, rows.n, events ? p.refusedEvents : p.refusedSeries);
        st.record(events ? st.insertEvents : st.insertSeries, t);
        return new long[] {fresh, dup};
    }

    /**
     * The agent of a key {@code <agent>/<run>} (the part before the first '/'): {@code last} when it is
     * that agent (no copy), null when the key has no '/'.
     */
    static byte[] agentOfKey(byte[] key, byte[] last) {
        if (key == null) {
            return null;
        }
        int slash = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '/') {
                slash = i;
                break;
            }
        }
        if (slash < 0) {
            return null;
        }
        if (last != null && java.util.Arrays.equals(key, 0, slash, last, 0, last.length)) {
            return last;
        }
        return java.util.Arrays.copyOf(key, slash);
    }

    /** A header's value holding a decimal number; -1 when absent or not one. */
    private static long number(byte[] v) {
        return v == null ? -1 : number(v, 0, v.length);
    }

    /** The decimal number in {@code v[from, to)}; -1 when empty, longer than 18 digits or not one. */
    static long number(byte[] v, int from, int to) {
        if (to <= from || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            byte c = v[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The first ':' in {@code v} from {@code from} on; -1 when none. */
    private static int indexOf(byte[] v, int from) {
        for (int i = from; i < v.length; i++) {
            if (v[i] == ':') {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code run \0 buffer_id} of the poll's pairs the table already holds. Per group (one run) its
     * frame range, which the tables' keys ({@code run_id, frame} / {@code run_id, series, frame}) let
     * ClickHouse read without scanning the whole run, and its buffer id range: a stored row of a record
     * has that record's frame, so nothing the poll holds is missed.
     */
    private Set<String> present(String table, List<RowEncoder.Batch> encoded, List<String> runs, boolean seriesBinary)
            throws IOException, ClickHouseException {
        Stages st = stages;
        long t = System.nanoTime();
        try {
            return presentNow(table, encoded, runs, seriesBinary);
        } finally {
            st.record(table.equals("events") ? st.checkEvents : st.checkSeries, t);
        }
    }

    private Set<String> presentNow(String table, List<RowEncoder.Batch> encoded, List<String> runs, boolean seriesBinary)
            throws IOException, ClickHouseException {
        StringBuilder where = new StringBuilder();
        // one series stands for the record only when the poll's series rows go in as one block (a record's rows
        // stored all or none); a larger insert is split by ClickHouse, and then every series is checked
        boolean oneSeries = seriesBinary && oneBlock(encoded, ONE_BLOCK_ROWS);
        for (int g = 0; g < encoded.size(); g++) {
            RowEncoder.Batch b = encoded.get(g);
            long lo = b.minId();
            long hi = b.maxId();
            where.append(where.length() == 0 ? "" : " OR ").append("(run_id = ").append(ClickHouseClient.quote(runs.get(g)));
            String one = oneSeries ? commonSeries(b) : null;
            if (one != null) {
                where.append(" AND series = ").append(ClickHouseClient.quote(one));
            }
            where.append(" AND frame BETWEEN ").append(b.minFrame).append(" AND ").append(b.maxFrame)
                    .append(" AND buffer_id BETWEEN ").append(lo).append(" AND ").append(hi).append(')');
        }
        String sql = "SELECT DISTINCT run_id, buffer_id FROM " + ch.table(table) + " WHERE " + where + " FORMAT TabSeparated";
        Set<String> out = new HashSet<>();
        for (String line : ch.execute(sql).split("\n")) {
            int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                out.add(unescape(line.substring(0, tab)) + "\u0000" + line.substring(tab + 1).trim());
            }
        }
        return out;
    }

    /**
     * A series name that every record of the batch with series rows has a row of (RowBinary rows:
     * run_id, series, then 32 bytes of frame, time, time_ns, value, buffer_id), or null when there is
     * none. A record's series rows go into ClickHouse in one insert, so one of them present means all
     * are: the check of {@code series} then reads that one series of the run ({@code run_id, series,
     * frame} is the table's key) instead of every series of the run in the frame range.
     */
    /** Whether the poll's series rows fit one block of {@code blockRows} (the whole insert stored or none of it). */
    static boolean oneBlock(List<RowEncoder.Batch> encoded, long blockRows) {
        long rows = 0;
        for (RowEncoder.Batch b : encoded) {
            rows += b.seriesRows;
        }
        return rows <= blockRows;
    }

    static String commonSeries(RowEncoder.Batch b) {
        byte[] buf = b.series.buf;
        int first = -1;
        for (int i = 0; i < b.records && first < 0; i++) {
            if (b.seriesOff[i + 1] > b.seriesOff[i]) {
                first = i;
            }
        }
        if (first < 0) {
            return null;
        }
        // candidates: the series of the first record with rows, in order
        for (int c = b.seriesOff[first]; c < b.seriesOff[first + 1]; c = rowEnd(buf, c)) {
            int nameAt = skipString(buf, c);
            int nameLen = stringLength(buf, nameAt);
            int nameFrom = stringStart(buf, nameAt);
            boolean all = true;
            for (int i = first + 1; i < b.records && all; i++) {
                int from = b.seriesOff[i];
                int to = b.seriesOff[i + 1];
                if (from == to) {
                    continue;
                }
                boolean has = false;
                for (int r = from; r < to && !has; r = rowEnd(buf, r)) {
                    int at = skipString(buf, r);
                    has = stringLength(buf, at) == nameLen
                            && java.util.Arrays.equals(buf, stringStart(buf, at), stringStart(buf, at) + nameLen, buf, nameFrom, nameFrom + nameLen);
                }
                all = has;
            }
            if (all) {
                return new String(buf, nameFrom, nameLen, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The LEB128 length of the RowBinary string at {@code at}. */
    private static int stringLength(byte[] buf, int at) {
        int n = 0;
        int shift = 0;
        byte x;
        do {
            x = buf[at++];
            n |= (x & 0x7F) << shift;
            shift += 7;
        } while ((x & 0x80) != 0);
        return n;
    }

    /** Where the bytes of the RowBinary string at {@code at} begin (after its length). */
    private static int stringStart(byte[] buf, int at) {
        while ((buf[at] & 0x80) != 0) {
            at++;
        }
        return at + 1;
    }

    private static int skipString(byte[] buf, int at) {
        return stringStart(buf, at) + stringLength(buf, at);
    }

    /** The end of the series row at {@code at}: run_id, series, then frame, time, time_ns, value, buffer_id (8+4+4+8+8). */
    private static int rowEnd(byte[] buf, int at) {
        return skipString(buf, skipString(buf, at)) + 32;
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
        String[] runs = new String[1024];
        long[] ids = new long[1024];
        int n;

        void add(byte[] src, int from, int to, String run, long id) {
            int len = to - from;
            if (off[n] + len > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, off[n] + len));
            }
            if (n + 2 > off.length) {
                off = java.util.Arrays.copyOf(off, off.length * 2);
                runs = java.util.Arrays.copyOf(runs, off.length);
                ids = java.util.Arrays.copyOf(ids, off.length);
            }
            runs[n] = run;
            ids[n] = id;
            System.arraycopy(src, from, buf, off[n], len);
            off[n + 1] = off[n] + len;
            n++;
        }
    }

    /** Inserts records [lo, hi); when ClickHouse refuses their data, halves down to single records, which are counted. */
    private void insert(String table, boolean binary, Rows r, int lo, int hi, Set<String> refusedHere)
            throws IOException, ClickHouseException {
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
                refused.incrementAndGet();
                refusedHere.add(r.runs[lo] + "\u0000" + r.ids[lo]);
                LOG.warn("Kafka sink: ClickHouse refused a row of {}: {}", table, e.getMessage());
                return;
            }
            int mid = (lo + hi) >>> 1;
            insert(table, binary, r, lo, mid, refusedHere);
            insert(table, binary, r, mid, hi, refusedHere);
        }
    }

    /**
     * Where a poll's time goes (docs/kafka.md, "Metrics"): timer {@code nervesys.kafka.sink.stage} with
     * tags {@code stage} and {@code table}. On the worker thread, one after the other: {@code poll}
     * (the consumer's poll that returned records, fetch wait and decompression included; {@code
     * poll-empty} for those that returned none), {@code read} (headers, grouping), {@code encode}
     * (JSON to RowBinary), {@code await} (waiting for the previous poll's inserts), {@code commit}
     * (the offset commit); per table on the insert threads: {@code check} (the duplicate query),
     * {@code check-wait} (the insert thread waiting for its check), {@code filter} (rows not yet
     * stored copied out), {@code insert} (ClickHouse's confirmation); {@code total}: a poll from its
     * read to its commit.
     */
    static final class Stages {
        static final Stages NONE = new Stages(null);
        final io.micrometer.core.instrument.Timer poll;
        final io.micrometer.core.instrument.Timer pollEmpty;
        final io.micrometer.core.instrument.Timer read;
        final io.micrometer.core.instrument.Timer encode;
        final io.micrometer.core.instrument.Timer await;
        final io.micrometer.core.instrument.Timer commit;
        final io.micrometer.core.instrument.Timer total;
        final io.micrometer.core.instrument.Timer checkEvents;
        final io.micrometer.core.instrument.Timer checkSeries;
        final io.micrometer.core.instrument.Timer checkWaitEvents;
        final io.micrometer.core.instrument.Timer checkWaitSeries;
        final io.micrometer.core.instrument.Timer filterEvents;
        final io.micrometer.core.instrument.Timer filterSeries;
        final io.micrometer.core.instrument.Timer insertEvents;
        final io.micrometer.core.instrument.Timer insertSeries;

        Stages(MeterRegistry r) {
            poll = timer(r, "poll", "-");
            pollEmpty = timer(r, "poll-empty", "-");
            read = timer(r, "read", "-");
            encode = timer(r, "encode", "-");
            await = timer(r, "await", "-");
            commit = timer(r, "commit", "-");
            total = timer(r, "total", "-");
            checkEvents = timer(r, "check", "events");
            checkSeries = timer(r, "check", "series");
            checkWaitEvents = timer(r, "check-wait", "events");
            checkWaitSeries = timer(r, "check-wait", "series");
            filterEvents = timer(r, "filter", "events");
            filterSeries = timer(r, "filter", "series");
            insertEvents = timer(r, "insert", "events");
            insertSeries = timer(r, "insert", "series");
        }

        private static io.micrometer.core.instrument.Timer timer(MeterRegistry r, String stage, String table) {
            return r == null ? null : io.micrometer.core.instrument.Timer.builder("nervesys.kafka.sink.stage")
                    .description("Time of one stage of the Kafka sink's polls (see docs/kafka.md)")
                    .tags("stage", stage, "table", table).register(r);
        }

        /** Records the time since {@code since} (nanoTime) and returns now. */
        long record(io.micrometer.core.instrument.Timer t, long since) {
            long now = System.nanoTime();
            if (t != null) {
                t.record(now - since, TimeUnit.NANOSECONDS);
            }
            return now;
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
        FunctionCounter.builder("nervesys.kafka.sink.refused", this, s -> s.refused.get())
                .description("Records ClickHouse refused or that cannot be stored (logged, not kept)").register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.batches", this, s -> s.batches)
                .description("Polls inserted and committed").register(registry);
        FunctionCounter.builder("nervesys.kafka.sink.errors", this, s -> s.failuresTotal + s.commitFailures)
                .description("Failed inserts (each retried with backoff) and failed offset commits").register(registry);
        Gauge.builder("nervesys.kafka.sink.consecutive.failures", this, s -> s.failures)
                .description("Failed inserts since the last success").register(registry);
        stages = new Stages(registry);
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
        m.put("refused", refused.get());
        m.put("skippedNotTelemetry", skipped);
        m.put("batches", batches);
        m.put("lastBatchMillis", lastBatchMillis);
        m.put("lagRecords", lag.total());
        m.put("consecutiveFailures", failures);
        m.put("lastError", lastError);
        return m;
    }
}
