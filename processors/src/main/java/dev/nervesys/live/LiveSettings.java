package dev.nervesys.live;

import dev.nervesys.spi.AgentSettings;

/**
 * Settings of the live view (docs/live.md), read once at start. Everything the live view keeps is
 * bounded on its own, not only per client or per batch, because it shares the heap with the data
 * path: {@code queueBytes} bounds the record bodies waiting for the worker (a hand-off buffer, far
 * below the ring's {@code maxBytes}: whatever waits there is a second copy of what the ring will
 * hold), {@code clientsBufferBytes} the frames not yet sent to all clients together
 * ({@code writeBufferBytes} bounds one client). {@code maxLagMillis} bounds how old a batch may be
 * when the worker takes it: an older one is dropped unparsed (counted), so that a worker that fell
 * behind shows what is arriving now, not what arrived seconds ago.
 */
public record LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
        int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes, long queueBytes,
        long clientsBufferBytes, long maxLagMillis) {

    /** Default of {@code nervesys.live.queueBytes}. */
    public static final long DEFAULT_QUEUE_BYTES = 8L << 20;
    /** Default of {@code nervesys.live.clientsBufferBytes}. */
    public static final long DEFAULT_CLIENTS_BUFFER_BYTES = 16L << 20;
    /** Default of {@code nervesys.live.maxLag}. */
    public static final java.time.Duration DEFAULT_MAX_LAG = java.time.Duration.ofSeconds(2);

    /**
     * Without budgets of their own: the queue is bounded by the ring's {@code maxBytes} only, the
     * clients each by {@code writeBufferBytes} only, and a batch may wait any time.
     */
    public LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
            int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes) {
        this(host, port, maxRecords, maxBytes, queueBatches, defaultRate, maxRate, tailRecords, foxgloveRate, flushMillis,
                writeBufferBytes, maxBytes, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public static LiveSettings from(AgentSettings s) {
        long maxBytes = s.getBytes("nervesys.live.maxBytes", 64L << 20);
        return new LiveSettings(s.get("nervesys.live.host", "0.0.0.0"), s.getInt("nervesys.live.port", 8087),
                s.getInt("nervesys.live.maxRecords", 500_000), maxBytes,
                s.getInt("nervesys.live.queueBatches", 1024), s.getInt("nervesys.live.defaultRate", 50),
                s.getInt("nervesys.live.maxRate", 1000), s.getInt("nervesys.live.tailRecords", 5000),
                s.getInt("nervesys.live.foxgloveRate", 100), s.getInt("nervesys.live.flushMillis", 50),
                (int) s.getBytes("nervesys.live.clientBufferBytes", 1L << 20),
                Math.min(maxBytes, s.getBytes("nervesys.live.queueBytes", DEFAULT_QUEUE_BYTES)),
                s.getBytes("nervesys.live.clientsBufferBytes", DEFAULT_CLIENTS_BUFFER_BYTES),
                s.getDuration("nervesys.live.maxLag", DEFAULT_MAX_LAG).toMillis());
    }
}
