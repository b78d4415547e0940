package dev.nervesys.buffer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the buffer shows of itself (docs/buffer.md, "Console and metrics"): its Prometheus meters,
 * {@code nervesys_buffer_*}, and its console section. Nothing is counted here: the meters read the
 * buffer's own figures when scraped, each under the buffer's lock, and the console section is built
 * from figures {@link RecordBuffer} reads under its lock; append and read do not pass through this class.
 */
final class BufferMetrics {

    private BufferMetrics() {
    }

    /** The meters of the whole buffer; consumers get theirs from {@link #bindConsumer}. */
    static void bind(RecordBuffer buffer, MeterRegistry registry) {
        Gauge.builder("nervesys.buffer.disk.bytes", buffer, RecordBuffer::bytesOnDisk)
                .description("Bytes of the buffer on disk: database, WAL and shared memory").register(registry);
        Gauge.builder("nervesys.buffer.max.bytes", buffer, RecordBuffer::maxBytes)
                .description("The cap, nervesys.buffer.maxBytes").register(registry);
        Gauge.builder("nervesys.buffer.records", buffer, RecordBuffer::rows)
                .description("Records held: not yet shipped by every enabled consumer").register(registry);
        Gauge.builder("nervesys.buffer.record.bytes", buffer, RecordBuffer::recordBytes)
                .description("NDJSON bytes of the records held, before the buffer's compression").register(registry);
        FunctionCounter.builder("nervesys.buffer.appended.records", buffer, RecordBuffer::appended)
                .description("Records committed since start").register(registry);
        FunctionCounter.builder("nervesys.buffer.dropped.records", buffer, RecordBuffer::dropped)
                .description("Records dropped under whenFull=drop-oldest, ever").register(registry);
        FunctionCounter.builder("nervesys.buffer.rejected.batches", buffer, RecordBuffer::rejectedBatches)
                .description("Batches refused under whenFull=reject since start").register(registry);
    }

    /** The meters of one consumer, tagged with its name. */
    static void bindConsumer(RecordBuffer buffer, MeterRegistry registry, String name) {
        Gauge.builder("nervesys.buffer.pending.records", buffer, b -> b.pendingRows(name))
                .description("Records a consumer has still to ship").tag("consumer", name).register(registry);
        Gauge.builder("nervesys.buffer.pending.bytes", buffer, b -> b.pendingBytes(name))
                .description("NDJSON bytes a consumer has still to ship").tag("consumer", name).register(registry);
    }

    /**
     * The console section {@code buffer}, from figures read under the buffer's lock.
     *
     * @param rows        records held
     * @param recordBytes their NDJSON bytes before compression
     * @param consumers   per consumer its {@code enabled}, {@code pendingRows} and {@code pendingBytes}
     */
    static Map<String, Object> status(Path file, DiskBudget budget, int zstdLevel, long rows, long recordBytes,
            long appended, long dropped, long rejectedBatches, Map<String, Object> consumers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("bytesOnDisk", budget.onDisk());
        m.put("maxBytes", budget.cap);
        m.put("whenFull", budget.whenFull.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("compression", ChunkCodec.describe(zstdLevel));
        m.put("rows", rows);
        m.put("recordBytes", recordBytes);
        m.put("appended", appended);
        m.put("dropped", dropped);
        m.put("rejectedBatches", rejectedBatches);
        m.put("consumers", consumers);
        return m;
    }
}
