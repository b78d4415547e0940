package dev.nervesys.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.nervesys.common.Telemetry;
import dev.nervesys.spi.IngestHooks;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.RunTracker;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code liveHub}: the live view's state (docs/live.md). Ingest tells it every committed
 * batch ({@link IngestHooks.Listener}); {@link #committed} only offers the batch to a bounded queue
 * and counts what does not fit, so ingest never waits. One worker thread owns everything else:
 * it parses the records into the {@link LiveRing}, feeds the WebSocket sessions (their commands
 * reach it through a queue too) and flushes their frames every {@code nervesys.live.flushEvery}.
 */
public final class LiveHub implements IngestHooks.Listener, StatusReporter, MeterBinder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Batch(List<RecordKind> kinds, List<byte[]> bodies, long bytes, long offeredNanos) {
    }

    private final LiveSettings cfg;
    private final RunTracker runs;
    private final String serverName;
    private final ArrayBlockingQueue<Batch> queue;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final LiveRing ring;
    private final SendBudget sendBudget;
    private final long maxLagNanos;
    private final java.util.function.LongSupplier nanos;
    private final List<LiveSession> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, FoxgloveSession.FoxChannel> channels = new LinkedHashMap<>();
    private final AtomicLong droppedRecords = new AtomicLong();
    private final AtomicLong droppedBatches = new AtomicLong();
    private final AtomicLong queuedRecords = new AtomicLong();
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile long staleRecords;
    private volatile long parsedRecords;
    private volatile long invalidRecords;
    private volatile long droppedFramesClosed;
    private volatile long sentFramesClosed;
    private volatile Thread worker;
    private volatile boolean running;
    private int nextChannelId = 1;
    private final java.time.Clock clock;
    private long nextFlush = System.nanoTime();

    public LiveHub(LiveSettings cfg, RunTracker runs, String serverName) {
        this(cfg, runs, serverName, java.time.Clock.systemUTC(), System::nanoTime);
    }

    /** @param clock the agent's clock ({@code AgentSettings.clock()}): when a run was last seen */
    public LiveHub(LiveSettings cfg, RunTracker runs, String serverName, java.time.Clock clock) {
        this(cfg, runs, serverName, clock, System::nanoTime);
    }

    /** @param nanos the clock a batch's age is measured by (tests move it by hand) */
    LiveHub(LiveSettings cfg, RunTracker runs, String serverName, java.util.function.LongSupplier nanos) {
        this(cfg, runs, serverName, java.time.Clock.systemUTC(), nanos);
    }

    private LiveHub(LiveSettings cfg, RunTracker runs, String serverName, java.time.Clock clock,
            java.util.function.LongSupplier nanos) {
        this.clock = clock;
        this.nanos = nanos;
        this.cfg = cfg;
        this.runs = runs;
        this.serverName = serverName;
        this.queue = new ArrayBlockingQueue<>(cfg.queueBatches());
        this.ring = new LiveRing(cfg.maxRecords(), cfg.maxBytes());
        this.sendBudget = new SendBudget(cfg.clientsBufferBytes(), cfg.writeBufferBytes());
        this.maxLagNanos = cfg.maxLagMillis() >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : cfg.maxLagMillis() * 1_000_000L;
        ring.onRunEvicted(this::runEvicted);
    }

    /**
     * Ingest's hook: hand off and return; a full queue drops the batch (counted). The queue is
     * bounded in batches, in records ({@code nervesys.live.maxRecords}: more than the ring can hold is
     * of no use to the live view) and in bytes of record bodies ({@code nervesys.live.queueBytes},
     * 8 MB): bounded in batches only, it held the bodies of a million records while the worker was
     * behind; bounded by the ring's own 64 MB, it still held a second ring's worth of bodies beside
     * the ring, and at -Xmx256m the ClickHouse shipper ran out of heap (docs/validation.md). A worker
     * that is behind only makes what waits older; dropping the excess keeps the view fresh, and so
     * does the worker, which skips a batch that waited longer than {@code nervesys.live.maxLag}.
     */
    @Override
    public void committed(List<RecordKind> kinds, List<byte[]> bodies) {
        if (!kinds.contains(RecordKind.TELEMETRY)) {
            return;
        }
        long bytes = 0;
        for (byte[] b : bodies) {
            bytes += b.length;
        }
        long records = queuedRecords.addAndGet(bodies.size());
        long held = queuedBytes.addAndGet(bytes);
        if (!running || records > cfg.maxRecords() || held > cfg.queueBytes() || !queue.offer(new Batch(kinds, bodies, bytes, nanos.getAsLong()))) {
            queuedRecords.addAndGet(-bodies.size());
            queuedBytes.addAndGet(-bytes);
            droppedBatches.incrementAndGet();
            droppedRecords.addAndGet(bodies.size());
        }
    }

    /** Starts the worker (idempotent); the live server calls it when it starts. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = new Thread(this::loop, "nervesys-live-hub");
        worker.setDaemon(true);
        worker.start();
    }

    void submit(Runnable command) {
        commands.add(command);
    }

    void connected(LiveSession s) {
        submit(() -> {
            sessions.add(s);
            sendBudget.clients(sessions.size());
            if (s instanceof FoxgloveSession f) {
                f.open(serverName, channels.values());
            }
        });
    }

    void disconnected(LiveSession s) {
        submit(() -> {
            sessions.remove(s);
            sendBudget.clients(sessions.size());
            droppedFramesClosed += s.droppedFrames;
            sentFramesClosed += s.sentFrames;
        });
    }

    void message(LiveSession s, String text) {
        submit(() -> s.command(this, text));
    }

    private void loop() {
        while (running) {
            try {
                Batch b = queue.poll(cfg.flushMillis(), TimeUnit.MILLISECONDS);
                runCommands();
                int n = 0;
                while (b != null) {
                    try {
                        if (nanos.getAsLong() - b.offeredNanos() > maxLagNanos) {
                            staleRecords += b.bodies().size(); // the worker is behind: skip what is old
                            droppedBatches.incrementAndGet();
                            droppedRecords.addAndGet(b.bodies().size());
                        } else {
                            process(b);
                        }
                    } finally {
                        queuedRecords.addAndGet(-b.bodies().size());
                        queuedBytes.addAndGet(-b.bytes());
                    }
                    b = ++n < 64 ? queue.poll() : null;
                }
                flushIfDue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("live view worker: {}", e.toString());
            }
        }
    }

    /**
     * Sends what the sessions collected, every {@code nervesys.live.flushMillis}; also called while a
     * backlog is being parsed, so that a session never collects more than one flush period of
     * points: 200 sessions collecting for the time 64 batches take held hundreds of MB, and sent
     * their frames seconds late (docs/validation.md, live view).
     */
    private void flushIfDue() {
        if (System.nanoTime() >= nextFlush) {
            for (LiveSession s : sessions) {
                s.flush();
            }
            nextFlush = System.nanoTime() + cfg.flushMillis() * 1_000_000L;
        }
    }

    private void runCommands() {
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
        }
    }

    private void process(Batch b) {
        Map<String, Long> seen = new HashMap<>();
        long now = clock.millis();
        List<FoxgloveSession.FoxChannel> added = new ArrayList<>();
        for (int i = 0; i < b.bodies().size(); i++) {
            if (b.kinds().get(i) != RecordKind.TELEMETRY) {
                continue;
            }
            Telemetry t;
            try {
                t = Telemetry.parse(b.bodies().get(i));
            } catch (IllegalArgumentException e) {
                invalidRecords++;
                continue;
            }
            LiveRing.RunRing run = ring.run(t.runId);
            int source = run.source(t.source);
            int[] series = new int[t.count];
            double[] values = new double[t.count];
            for (int k = 0; k < t.count; k++) {
                series[k] = run.series(t.source + "." + t.names[k]);
                values[k] = t.values[k];
            }
            String key = t.runId + "\u0000" + t.source;
            if (!channels.containsKey(key)) {
                FoxgloveSession.FoxChannel c = new FoxgloveSession.FoxChannel(nextChannelId++, t.runId, source,
                        "/nervesys/" + t.runId + "/" + t.source);
                channels.put(key, c);
                added.add(c);
            }
            LiveRing.Rec rec = new LiveRing.Rec(source, t.frame, t.timeNanos(), series, values);
            ring.add(run, rec);
            parsedRecords++;
            seen.put(t.runId, now);
            if (!added.isEmpty()) {
                for (LiveSession s : sessions) {
                    if (s instanceof FoxgloveSession f) {
                        f.advertise(added);
                    }
                }
                added.clear();
            }
            LiveRing.RunRing current = ring.find(t.runId);
            if (current != null) {
                for (LiveSession s : sessions) {
                    s.record(current, rec);
                }
            }
            if ((i & 255) == 255) {
                flushIfDue();
            }
        }
        if (runs != null && !seen.isEmpty()) {
            runs.seen(seen);
        }
    }

    private void runEvicted(String runId) {
        List<Integer> gone = new ArrayList<>();
        channels.values().removeIf(c -> {
            if (c.run().equals(runId)) {
                gone.add(c.id());
                return true;
            }
            return false;
        });
        for (LiveSession s : sessions) {
            if (s instanceof FoxgloveSession f && !gone.isEmpty()) {
                f.unadvertise(gone);
            }
        }
    }

    FoxgloveSession.FoxChannel channel(String run, int source) {
        LiveRing.RunRing r = ring.find(run);
        return r == null ? null : channels.get(run + "\u0000" + r.sources.get(source));
    }

    LiveRing ring() {
        return ring;
    }

    SendBudget sendBudget() {
        return sendBudget;
    }

    LiveSettings settings() {
        return cfg;
    }

    /** Runs for the UI: the registry's (live and ended) plus any only in the ring; worker thread. */
    ArrayNode runsJson() {
        ArrayNode out = JSON.createArrayNode();
        Map<String, Boolean> listed = new HashMap<>();
        if (runs != null) {
            for (var r : runs.snapshot()) {
                listed.put(r.get("run_id").asText(), true);
                out.add(r.put("inLiveView", ring.find(r.get("run_id").asText()) != null));
            }
        }
        for (String id : ring.runs().keySet()) {
            if (!listed.containsKey(id)) {
                out.addObject().put("run_id", id).put("name", id).put("status", "live").put("inLiveView", true);
            }
        }
        return out;
    }

    public long droppedRecords() {
        return droppedRecords.get();
    }

    /** Frames dropped for slow clients, connected and gone. */
    public long droppedFrames() {
        return droppedFramesClosed + sessions.stream().mapToLong(s -> s.droppedFrames).sum();
    }

    /** Frames sent to clients, connected and gone. */
    public long sentFrames() {
        return sentFramesClosed + sessions.stream().mapToLong(s -> s.sentFrames).sum();
    }

    /** Prometheus: nervesys_live_* (docs/live.md, docs/operations.md). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nervesys.live.connections", sessions, List::size)
                .description("Live view clients connected (WebSocket: nervesys UI and Foxglove)").register(registry);
        FunctionCounter.builder("nervesys.live.frames.sent", this, LiveHub::sentFrames)
                .description("Frames sent to live view clients").register(registry);
        FunctionCounter.builder("nervesys.live.frames.dropped", this, LiveHub::droppedFrames)
                .description("Frames dropped for clients that read too slowly").register(registry);
        FunctionCounter.builder("nervesys.live.dropped.records", droppedRecords, AtomicLong::get)
                .description("Ingested telemetry records the live view skipped: its queue was full, or they waited longer than nervesys.live.maxLag").register(registry);
        Gauge.builder("nervesys.live.records", ring, LiveRing::records)
                .description("Telemetry records held in the live view's memory").register(registry);
        Gauge.builder("nervesys.live.memory.bytes", ring, LiveRing::bytes)
                .description("Bytes the live view's records take (capped by nervesys.live.maxBytes)").register(registry);
    }

    @Override
    public String statusName() {
        return "live";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runsInMemory", ring.runs().size());
        m.put("records", ring.records());
        m.put("bytes", ring.bytes());
        m.put("maxRecords", cfg.maxRecords());
        m.put("maxBytes", cfg.maxBytes());
        m.put("evictedRecords", ring.evictedRecords());
        m.put("evictedRuns", ring.evictedRuns());
        m.put("parsedRecords", parsedRecords);
        m.put("invalidRecords", invalidRecords);
        m.put("droppedIngestRecords", droppedRecords.get());
        m.put("droppedIngestBatches", droppedBatches.get());
        m.put("staleIngestRecords", staleRecords);
        m.put("queuedRecords", queuedRecords.get());
        m.put("queuedBytes", queuedBytes.get());
        m.put("queueBytes", cfg.queueBytes());
        m.put("clients", sessions.size());
        m.put("droppedFrames", droppedFrames());
        m.put("unsentClientBytes", sendBudget.unsent());
        m.put("unsentClientBytesHighest", sendBudget.highest());
        m.put("clientsBufferBytes", cfg.clientsBufferBytes());
        return m;
    }

    @Override
    public void close() {
        running = false;
        Thread w = worker;
        if (w != null) {
            w.interrupt();
        }
    }
}
