package dev.nervesys.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink group's lag per partition (end offset minus committed offset), read from the broker with
 * an admin client every {@code nervesys.kafka.sink.lagEvery} (route kafka-sink-lag), the way
 * {@code kafka-consumer-groups --describe} reads it: so every sink node reports the lag of the whole
 * group, whichever partitions it owns. Metric {@code nervesys_kafka_sink_lag_records{topic,partition}}.
 */
public final class KafkaLag implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLag.class);

    private final Supplier<Admin> admins;
    private final String group;
    private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    private Admin admin;
    private MultiGauge gauge;
    private volatile String lastError;

    public KafkaLag(Supplier<Admin> admins, String group) {
        this.admins = admins;
        this.group = group;
    }

    /** Reads the committed and end offsets of the group's partitions; a failure keeps the last figures. */
    public synchronized void refresh() {
        try {
            if (admin == null) {
                admin = admins.get();
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            lag.clear();
            committed.forEach((tp, o) -> {
                ListOffsetsResult.ListOffsetsResultInfo end = ends.get(tp);
                if (o != null && end != null) {
                    lag.put(tp, Math.max(0, end.offset() - o.offset()));
                }
            });
            lastError = null;
            publish();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.debug("Kafka sink lag not read: {}", lastError);
        }
    }

    public Map<TopicPartition, Long> perPartition() {
        return Map.copyOf(lag);
    }

    public long total() {
        return lag.values().stream().mapToLong(Long::longValue).sum();
    }

    private void publish() {
        if (gauge != null) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            lag.forEach((tp, n) -> rows.add(MultiGauge.Row.of(Tags.of("topic", tp.topic(), "partition",
                    String.valueOf(tp.partition())), n)));
            gauge.register(rows, true);
        }
    }

    void bindTo(MeterRegistry registry) {
        gauge = MultiGauge.builder("nervesys.kafka.sink.lag.records")
                .description("Records of a partition not yet committed by the sink group (end offset - committed offset)")
                .register(registry);
        Gauge.builder("nervesys.kafka.sink.lag.total.records", this, KafkaLag::total)
                .description("Records of all partitions not yet committed by the sink group").register(registry);
        publish();
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
            admin = null;
        }
    }
}
