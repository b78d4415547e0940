package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.Backoff;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.RouteBinding;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Route;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code kafkaPublisher}: a buffer consumer with its own cursor ({@value #CONSUMER}) that
 * publishes records to Kafka with a producer of its own ({@link KafkaClients#producer()}), on a worker
 * thread that runs while route {@code kafka-publisher} runs (its {@code routePolicy}). One Kafka
 * record per buffer record: topic per record kind, key {@code <agent id>/<run id>} so that one run
 * stays in order in one partition (the agent is the key up to its first {@code /}), and one header
 * {@value #H_META} = {@code <kind>:<id>:<received>} (ASCII; {@link #meta}); no Camel message per
 * record. Header {@value #H_AGENT} is sent only when the agent id itself holds a {@code /} (the key
 * alone would not tell where it ends). Earlier releases sent three headers {@value #H_ID},
 * {@value #H_KIND}, {@value #H_RECEIVED} (and before them {@value #H_AGENT} always); the sink reads
 * all three formats (docs/kafka.md, "Wire format").
 *
 * <p>Pipelined: up to {@code nervesys.kafka.inFlightBatches} batches are sent and not yet
 * acknowledged; the next one is read from the buffer while the earlier ones wait for the broker.
 * The cursor moves only past a batch whose every record the broker acknowledged, and only in order:
 * the oldest batch first. When a batch fails the cursor stays before it, the batches sent after it
 * are waited for and not counted, the publisher backs off and reads again from the cursor: the
 * buffer holds the records meanwhile (its cap and policy as always). Delivery to Kafka is at least
 * once: a batch that failed half way, and those sent after it, are sent whole again, and consumers
 * drop the copies by (agent, {@value #H_ID}) as the sink does.
 */
public final class KafkaPublisher extends RouteBinding implements StatusReporter, MeterBinder, AutoCloseable {

    public static final String CONSUMER = "kafka";
    /** The record's metadata in one header (current format): {@code <kind>:<id>:<received>}, see {@link #meta}. */
    public static final String H_META = "nervesys";
    public static final String H_AGENT = "nervesys.agent";
    // the three headers of earlier releases (read by the sink, no longer sent)
    public static final String H_ID = "nervesys.id";
    public static final String H_KIND = "nervesys.kind";
    public static final String H_RECEIVED = "nervesys.received";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);

    private final RecordBuffer buffer;
    private final KafkaSettings cfg;
    private final KafkaClients clients;
    private final String agentId;
    private final byte[] agentBytes;
    /** Whether the agent id holds a '/': then header {@value #H_AGENT} names it (the key cannot). */
    private final boolean agentHeader;
    /** Per kind {@code <kind>:}, the start of header {@value #H_META}. */
    private final Map<RecordKind, byte[]> kindPrefix = new EnumMap<>(RecordKind.class);
    private final Clock clock;
    private final Set<Route> routes = new HashSet<>();
    private final Object wake = new Object();
    private Thread worker;
    private volatile boolean running;
    /** The worker's own: made with the first batch (an agent that does not publish never makes one), closed when it stops. */
    private Producer<String, byte[]> producer;
    private volatile int failures;
    private volatile long failuresTotal;
    private volatile long nextAttemptAt;
    private volatile long failingSince;
    private volatile String lastError;
    private volatile long sentRecords;
    private volatile long sentBytes;
    private volatile long batches;
    private volatile long lastSuccessAt;

    public KafkaPublisher(RecordBuffer buffer, KafkaSettings cfg, KafkaClients clients, String agentId, Clock clock) {
        this.buffer = buffer;
        this.cfg = cfg;
        this.clients = clients;
        this.agentId = agentId;
        this.agentBytes = agentId.getBytes(StandardCharsets.UTF_8);
        this.agentHeader = agentId.indexOf('/') >= 0;
        for (RecordKind k : RecordKind.values()) {
            kindPrefix.put(k, (k.label() + ":").getBytes(StandardCharsets.US_ASCII));
        }
        this.clock = clock;
        if (cfg.publishing()) {
            buffer.registerConsumer(CONSUMER);
            buffer.setConsumerEnabled(CONSUMER, true);
        } else if (buffer.status().get("consumers") instanceof Map<?, ?> m && m.containsKey(CONSUMER)) {
            // switched off: the cursor must not hold rows back (it resumes where it was when switched on again)
            buffer.setConsumerEnabled(CONSUMER, false);
        }
    }

    public boolean enabled() {
        return cfg.publishing();
    }

    // ---- the worker follows route kafka-publisher ----

    @Override
    protected synchronized void routeStarted(Route route) {
        routes.add(route);
        if (worker == null && cfg.publishing()) {
            running = true;
            worker = new Thread(this::work, "nervesys-kafka-publisher");
            worker.setDaemon(true);
            worker.start();
            LOG.info("Kafka publisher started (route {}): {}", route.getRouteId(), cfg.describe());
        }
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
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            // the batches in flight are waited for (at most the delivery timeout) and the cursor moved past the acknowledged ones
            t.join(cfg.timeout().toMillis() + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Kafka publisher stopped (route {})", route.getRouteId());
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

    /** One batch sent: done once every record's send completed; failed when any did not. */
    private static final class Batch {
        final long last;
        final long bytes;
        int records;
        final AtomicInteger open = new AtomicInteger(1); // one for the sending itself, released by seal()
        final CountDownLatch done = new CountDownLatch(1);
        volatile Exception error;

        Batch(long last, long bytes) {
            this.last = last;
            this.bytes = bytes;
        }

        final Callback callback = (RecordMetadata md, Exception e) -> completed(e);

        void completed(Exception e) {
            if (e != null && error == null) {
                error = e;
            }
            if (open.decrementAndGet() == 0) {
                done.countDown();
            }
        }

        void seal() {
            completed(null);
        }
    }

    private void work() {
        ArrayDeque<Batch> inFlight = new ArrayDeque<>();
        try {
            while (running) {
                try {
                    long after = inFlight.isEmpty() ? buffer.position(CONSUMER) : inFlight.peekLast().last;
                    while (running && inFlight.size() < cfg.inFlightBatches()) {
                        Batch b = sendNext(after);
                        if (b == null) {
                            break;
                        }
                        inFlight.add(b);
                        after = b.last;
                    }
                    if (inFlight.isEmpty()) {
                        succeeded(); // caught up
                        pause(cfg.checkEvery().toMillis());
                        continue;
                    }
                    Batch head = inFlight.peekFirst();
                    awaitDone(head);
                    if (head.error != null) {
                        throw head.error;
                    }
                    inFlight.removeFirst();
                    confirm(head);
                } catch (Exception e) {
                    // the cursor stays before the failed batch; the ones sent after it are waited for, not counted
                    for (Batch b : inFlight) {
                        awaitDone(b);
                    }
                    inFlight.clear();
                    failed(e);
                    pause(Math.max(0, nextAttemptAt - clock.millis()));
                }
            }
            // stopping: what the broker acknowledges of the batches in flight still moves the cursor, in order
            for (Batch b : inFlight) {
                awaitDone(b);
                if (b.error != null) {
                    break;
                }
                confirm(b);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("Kafka publisher worker ended unexpectedly; the buffer keeps the records", e);
            lastError = e.toString();
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
        }
    }

    /** Reads the batch after {@code after} and hands its records to the producer; null when nothing follows. */
    private Batch sendNext(long after) throws Exception {
        long end = buffer.sliceEnd(after, cfg.maxBatchBytes());
        int limit = (int) Math.max(1, Math.min(cfg.batchRows(), end - after));
        List<BufferedRecord> rows = buffer.read(after, limit);
        if (rows.isEmpty()) {
            return null;
        }
        long bytes = 0;
        for (BufferedRecord r : rows) {
            bytes += r.body().length;
        }
        Batch b = new Batch(rows.get(rows.size() - 1).id(), bytes);
        try {
            for (BufferedRecord r : rows) {
                if (b.error != null) {
                    break; // a send failed already (the broker is away): the batch goes again whole
                }
                String topic = cfg.topic(r.kind());
                if (topic.isEmpty()) {
                    continue; // this kind is not published: passed over with the batch
                }
                if (producer == null) {
                    producer = clients.producer();
                }
                RecordHeaders h = new RecordHeaders();
                if (agentHeader) {
                    h.add(H_AGENT, agentBytes);
                }
                h.add(H_META, meta(kindPrefix.get(r.kind()), r.id(), r.receivedAt()));
                ProducerRecord<String, byte[]> pr = new ProducerRecord<>(topic, null, agentId + "/" + RunKey.runId(r.body()), r.body(), h);
                b.open.incrementAndGet();
                b.records++;
                try {
                    producer.send(pr, b.callback);
                } catch (RuntimeException e) {
                    b.completed(e); // thrown (not handed to the callback): the batch fails, the rest of it is not sent
                    break;
                }
            }
        } finally {
            b.seal();
        }
        return b;
    }

    /**
     * The value of header {@value #H_META}: {@code <kind>:<id>:<received>}, US-ASCII, e.g.
     * {@code telemetry:4711:1764790000123} (kind label, buffer id and commit time in epoch ms, both
     * decimal without sign or leading zeros). {@code kindPrefix} is the kind's label followed by
     * {@code :}. Readers take the first three fields and ignore any after a further {@code :}.
     */
    static byte[] meta(byte[] kindPrefix, long id, long received) {
        int idDigits = digits(id);
        int recDigits = digits(received);
        byte[] v = new byte[kindPrefix.length + idDigits + 1 + recDigits];
        System.arraycopy(kindPrefix, 0, v, 0, kindPrefix.length);
        int end = kindPrefix.length + idDigits;
        decimal(v, end, id);
        v[end] = ':';
        decimal(v, v.length, received);
        return v;
    }

    /** Decimal digits of a non-negative number (a negative one is written as 0). */
    private static int digits(long n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    /** Writes {@code n} (non-negative; else 0) in decimal, its last digit at {@code end - 1}. */
    private static void decimal(byte[] to, int end, long n) {
        if (n <= 0) {
            to[end - 1] = '0';
            return;
        }
        int i = end;
        while (n > 0) {
            to[--i] = (byte) ('0' + (n % 10));
            n /= 10;
        }
    }

    private void awaitDone(Batch b) throws InterruptedException {
        // the producer completes every send within delivery.timeout.ms; the margin covers a close
        if (!b.done.await(cfg.timeout().toMillis() + 10_000, TimeUnit.MILLISECONDS) && b.error == null) {
            b.error = new IllegalStateException("no acknowledgement within " + cfg.timeout());
        }
    }

    private void pause(long ms) throws InterruptedException {
        if (ms <= 0) {
            return;
        }
        synchronized (wake) {
            if (running) {
                wake.wait(ms);
            }
        }
    }

    /** The broker acknowledged every record of the batch: the cursor moves past it. */
    private void confirm(Batch b) {
        buffer.acknowledge(CONSUMER, b.last, null);
        sentRecords += b.records;
        sentBytes += b.bytes;
        batches++;
        succeeded();
    }

    private void succeeded() {
        if (failures > 0) {
            LOG.info("Kafka publishing resumed after {} failed attempts", failures);
        }
        failures = 0;
        lastError = null;
        lastSuccessAt = clock.millis();
    }

    /** The batch was not acknowledged: the cursor stays, the next attempt waits (exponential backoff). */
    private void failed(Exception e) {
        if (failures++ == 0) {
            failingSince = clock.millis();
        }
        failuresTotal++;
        long delay = Backoff.delay(cfg.backoffInitial(), cfg.backoffMax(), failures).toMillis();
        nextAttemptAt = clock.millis() + delay;
        Throwable root = e;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        lastError = root == null ? "unknown" : root.getClass().getSimpleName() + ": " + root.getMessage();
        LOG.warn("Kafka publishing failed ({} in a row), the buffer keeps the records; retrying in {} ms: {}", failures, delay,
                lastError);
    }

    public long pendingRows() {
        return cfg.publishing() ? buffer.pendingRows(CONSUMER) : 0;
    }

    /** Age of the oldest record not yet acknowledged by Kafka. */
    public Duration lag() {
        if (!cfg.publishing()) {
            return Duration.ZERO;
        }
        long oldest = buffer.receivedAfter(buffer.position(CONSUMER));
        return oldest < 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - oldest));
    }

    public int consecutiveFailures() {
        return failures;
    }

    public long failingSince() {
        return failures == 0 ? 0 : failingSince;
    }

    public String lastError() {
        return lastError;
    }

    public long sentRecords() {
        return sentRecords;
    }

    public String target() {
        return cfg.describe();
    }

    /** Prometheus: nervesys_kafka_* (docs/kafka.md). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.kafka.sent.records", this, p -> p.sentRecords)
                .description("Records acknowledged by Kafka").register(registry);
        FunctionCounter.builder("nervesys.kafka.sent.bytes", this, p -> p.sentBytes)
                .description("Record bytes (uncompressed) acknowledged by Kafka").register(registry);
        FunctionCounter.builder("nervesys.kafka.batches", this, p -> p.batches)
                .description("Batches acknowledged by Kafka").register(registry);
        FunctionCounter.builder("nervesys.kafka.errors", this, p -> p.failuresTotal)
                .description("Failed publishing attempts (each one retried with backoff)").register(registry);
        Gauge.builder("nervesys.kafka.pending.records", this, KafkaPublisher::pendingRows)
                .description("Records waiting in the buffer for Kafka").register(registry);
        Gauge.builder("nervesys.kafka.lag.seconds", this, p -> p.lag().toMillis() / 1000.0)
                .description("Age of the oldest record not yet acknowledged by Kafka").register(registry);
    }

    @Override
    public String statusName() {
        return "kafka";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", cfg.describe());
        m.put("publishing", cfg.publishing());
        if (!cfg.publishing()) {
            return m;
        }
        m.put("pendingRows", pendingRows());
        m.put("sentRecords", sentRecords);
        m.put("batches", batches);
        m.put("consecutiveFailures", failures);
        m.put("lastError", lastError);
        m.put("lastSuccessAt", lastSuccessAt == 0 ? null : java.time.Instant.ofEpochMilli(lastSuccessAt).toString());
        return m;
    }
}
