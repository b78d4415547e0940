package dev.nervesys.live;

import dev.nervesys.spi.AgentSettings;

/** Settings of the live view (docs/live.md), read once at start. */
public record LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
        int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes) {

    public static LiveSettings from(AgentSettings s) {
        return new LiveSettings(s.get("nervesys.live.host", "127.0.0.1"), s.getInt("nervesys.live.port", 8087),
                s.getInt("nervesys.live.maxRecords", 500_000), s.getBytes("nervesys.live.maxBytes", 64L << 20),
                s.getInt("nervesys.live.queueBatches", 1024), s.getInt("nervesys.live.defaultRate", 50),
                s.getInt("nervesys.live.maxRate", 1000), s.getInt("nervesys.live.tailRecords", 5000),
                s.getInt("nervesys.live.foxgloveRate", 100), s.getInt("nervesys.live.flushMillis", 50),
                (int) s.getBytes("nervesys.live.clientBufferBytes", 1L << 20));
    }
}
