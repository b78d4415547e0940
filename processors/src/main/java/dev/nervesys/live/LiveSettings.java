package dev.nervesys.live;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;

/** Settings of the live view (docs/live.md), read once at start. */
public record LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
        int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes) {

    public static final Setting HOST = Setting.text("nervesys.live.host", "127.0.0.1", BEANS,
            "interface of the live view server (WebSocket, UI and the runs API /runs..., docs/runs.md)");
    public static final Setting PORT = Setting.integer("nervesys.live.port", "8087", "port", BEANS,
            "port of the live view server; the runs API is never on the ingest port (netty-http builds one pipeline per port)");
    public static final Setting MAX_RECORDS = Setting.integer("nervesys.live.maxRecords", "500000", "records", BEANS,
            "in-memory ring across all runs: at most this many records ...");
    public static final Setting MAX_BYTES = Setting.bytes("nervesys.live.maxBytes", "64MB", BEANS,
            "... and bytes (oldest runs evicted first)");
    public static final Setting QUEUE_BATCHES = Setting.integer("nervesys.live.queueBatches", "1024", "batches", BEANS,
            "batches waiting for the live worker; beyond it batches are dropped from the live view (counted)");
    public static final Setting DEFAULT_RATE = Setting.integer("nervesys.live.defaultRate", "50", "points per second", BEANS,
            "points per second per series sent to a client that asks for no rate ...");
    public static final Setting MAX_RATE = Setting.integer("nervesys.live.maxRate", "1000", "points per second", BEANS,
            "... and the most it may ask for");
    public static final Setting TAIL_RECORDS = Setting.integer("nervesys.live.tailRecords", "5000", "records", BEANS,
            "records of a run sent as the tail when a client subscribes (at most)");
    public static final Setting FOXGLOVE_RATE = Setting.integer("nervesys.live.foxgloveRate", "100", "messages per second", BEANS,
            "messages per second per channel sent to Foxglove clients");
    public static final Setting FLUSH_EVERY = Setting.duration("nervesys.live.flushEvery", "50ms", BEANS,
            "how often pending points are sent to clients").renamedFrom("nervesys.live.flushMillis", "ms");
    public static final Setting CLIENT_BUFFER_BYTES = Setting.bytes("nervesys.live.clientBufferBytes", "1MB", BEANS,
            "a client's unsent bytes above this: its frames are dropped (counted) until it catches up");

    /** The declarations of {@code nervesys.live.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Live view";
        }

        @Override
        public String page() {
            return "live.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(HOST, PORT, MAX_RECORDS, MAX_BYTES, QUEUE_BATCHES, DEFAULT_RATE, MAX_RATE, TAIL_RECORDS,
                    FOXGLOVE_RATE, FLUSH_EVERY, CLIENT_BUFFER_BYTES);
        }
    }

    public static LiveSettings from(AgentSettings s) {
        return new LiveSettings(s.get(HOST), s.getInt(PORT),
                s.getInt(MAX_RECORDS), s.getBytes(MAX_BYTES),
                s.getInt(QUEUE_BATCHES), s.getInt(DEFAULT_RATE),
                s.getInt(MAX_RATE), s.getInt(TAIL_RECORDS),
                s.getInt(FOXGLOVE_RATE), (int) s.getDuration(FLUSH_EVERY).toMillis(),
                (int) s.getBytes(CLIENT_BUFFER_BYTES));
    }
}
