package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.Backoff;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code kafkaPublisher}: a buffer consumer with its own cursor ({@value #CONSUMER}) that
 * publishes records to Kafka, driven by routes/kafka.camel.yaml: {@link #prepare} reads the next
 * batch after the cursor and turns it into one Kafka message per record (topic per record kind, key
 * {@code <agent id>/<run id>} so that one run stays in order in one partition, headers
 * {@value #H_AGENT}, {@value #H_ID}, {@value #H_KIND}, {@value #H_RECEIVED}); the route hands the
 * batch to camel-kafka, whose exchange completes only once the broker acknowledged every record;
 * {@link #confirm} then moves the cursor. A failure ({@link #failed}) leaves the cursor where it is
 * and backs off: the buffer holds the records (its cap and policy as always) and the same batch is
 * sent again on recovery. Delivery to Kafka is at least once: a batch that failed half way is sent
 * whole again, and consumers drop the copies by ({@value #H_AGENT}, {@value #H_ID}) as the sink does.
 */
public final class KafkaPublisher implements StatusReporter, MeterBinder {

    public static final String CONSUMER = "kafka";
    public static final String H_AGENT = "nervesys.agent";
    public static final String H_ID = "nervesys.id";
    public static final String H_KIND = "nervesys.kind";
    public static final String H_RECEIVED = "nervesys.received";
    /** Exchange properties the route reads: records in the batch, and whether to loop for another one. */
    public static final String RECORDS = "NervesysKafkaRecords";
    public static final String MORE = "NervesysKafkaMore";
    private static final String LAST = "NervesysKafkaLast";
    private static final String BYTES = "NervesysKafkaBytes";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);

    private final RecordBuffer buffer;
    private final KafkaSettings cfg;
    private final String agentId;
    private final Clock clock;
    private volatile int failures;
    private volatile long failuresTotal;
    private volatile long nextAttemptAt;
    private volatile long failingSince;
    private volatile String lastError;
    private volatile long sentRecords;
    private volatile long sentBytes;
    private volatile long batches;
    private volatile long lastSuccessAt;

    public KafkaPublisher(RecordBuffer buffer, KafkaSettings cfg, String agentId, Clock clock) {
        this.buffer = buffer;
        this.cfg = cfg;
        this.agentId = agentId;
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

    /**
     * Puts the next batch on the exchange as a list of Kafka messages ({@value #RECORDS} = its size;
     * 0 when nothing is due, the publisher is off or backing off).
     */
    public void prepare(Exchange ex) {
        Message in = ex.getMessage();
        ex.setProperty(RECORDS, 0);
        ex.setProperty(MORE, false);
        if (!cfg.publishing() || clock.millis() < nextAttemptAt) {
            return;
        }
        long after = buffer.position(CONSUMER);
        long end = buffer.sliceEnd(after, cfg.maxBatchBytes());
        int limit = (int) Math.max(1, Math.min(cfg.batchRows(), end - after));
        List<BufferedRecord> rows = buffer.read(after, limit);
        if (rows.isEmpty()) {
            succeeded();
            return;
        }
        // one message per record: with batchWithIndividualHeaders (the route) camel-kafka takes its headers from it
        List<Message> out = new ArrayList<>(rows.size());
        long bytes = 0;
        for (BufferedRecord r : rows) {
            String topic = cfg.topic(r.kind());
            if (topic.isEmpty()) {
                continue; // this kind is not published: passed over with the batch
            }
            Message m = new DefaultMessage(ex.getContext());
            m.setBody(r.body());
            if (r.kind() != RecordKind.TELEMETRY) {
                // telemetry goes to the endpoint's own topic (kafkaClients.telemetryTopic): no header to set, read and
                // remove per record (docs/benchmarks.md, "Kafka", profile of the publisher)
                m.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
            }
            m.setHeader(KafkaConstants.KEY, agentId + "/" + RunKey.runId(r.body()));
            m.setHeader(H_AGENT, agentId);
            m.setHeader(H_ID, Long.toString(r.id()));
            m.setHeader(H_KIND, r.kind().label());
            m.setHeader(H_RECEIVED, Long.toString(r.receivedAt()));
            out.add(m);
            bytes += r.body().length;
        }
        in.setBody(out);
        ex.setProperty(RECORDS, out.size());
        ex.setProperty(LAST, rows.get(rows.size() - 1).id());
        ex.setProperty(MORE, rows.size() >= limit);
        ex.setProperty(BYTES, bytes);
        if (out.isEmpty()) {
            confirm(ex); // nothing of it is published: the cursor passes it at once
        }
    }

    /** The broker acknowledged every record of the batch: the cursor moves past it. */
    public void confirm(Exchange ex) {
        long last = ex.getProperty(LAST, Long.class);
        buffer.acknowledge(CONSUMER, last, null);
        sentRecords += ex.getProperty(RECORDS, 0, Integer.class);
        sentBytes += ex.getProperty(BYTES, 0L, Long.class);
        ex.setProperty(LAST, null);
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
    public void failed(Exchange ex) {
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ex.setProperty(MORE, false);
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
