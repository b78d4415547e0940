package dev.nervesys.buffer;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;

/**
 * Settings of the buffer (docs/buffer.md), read once at start, each declared once below with its
 * default.
 */
public record BufferSettings(Path file, long maxBytes, WhenFull whenFull, Duration retryAfter, String compression,
                             int compressionLevel, String synchronous) {

    public static final Setting FILE = Setting.text("nervesys.buffer.file", "", BEANS,
            "the buffer file (empty = <dataDir>/buffer/buffer.db)");
    public static final Setting MAX_BYTES = Setting.bytes("nervesys.buffer.maxBytes", "100MB", BEANS,
            "hard cap of the buffer on disk, database + WAL + shm");
    public static final Setting WHEN_FULL = Setting.text("nervesys.buffer.whenFull", "reject", BEANS,
            "when full: reject (503 + Retry-After, nothing accepted is lost) or drop-oldest (counted)");
    public static final Setting RETRY_AFTER = Setting.duration("nervesys.buffer.retryAfter", "10s", BEANS,
            "Retry-After sent with 503 when the buffer is full (whole seconds)");
    public static final Setting COMPRESSION = Setting.text("nervesys.buffer.compression", "zstd", BEANS,
            "how chunks of records are stored: zstd (several times more records under the cap, and faster ingest) "
                    + "or none; chunks already stored keep theirs");
    public static final Setting COMPRESSION_LEVEL = Setting.integer("nervesys.buffer.compressionLevel", "1", "level", BEANS,
            "zstd level for the buffer (1 = fast; negative levels are faster still, 3+ smaller and slower)");
    public static final Setting SYNCHRONOUS = Setting.text("nervesys.buffer.synchronous", "NORMAL", BEANS,
            "SQLite synchronous mode of the buffer: NORMAL survives a killed process, FULL also a power loss, "
                    + "at one fsync per batch");

    /** The declarations of {@code nervesys.buffer.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Buffer";
        }

        @Override
        public String page() {
            return "buffer.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(FILE, MAX_BYTES, WHEN_FULL, RETRY_AFTER, COMPRESSION, COMPRESSION_LEVEL, SYNCHRONOUS);
        }
    }

    public static BufferSettings from(AgentSettings s) {
        return new BufferSettings(
                s.find(FILE).map(Path::of).orElse(s.dataDir().resolve("buffer").resolve("buffer.db")),
                s.getBytes(MAX_BYTES),
                WhenFull.parse(s.get(WHEN_FULL)),
                s.getDuration(RETRY_AFTER),
                s.get(COMPRESSION),
                s.getInt(COMPRESSION_LEVEL),
                s.get(SYNCHRONOUS));
    }

    /** Opens the buffer these settings describe. */
    public RecordBuffer open() throws Exception {
        return RecordBuffer.open(file, maxBytes, whenFull, retryAfter.toSeconds(), compression, compressionLevel, synchronous);
    }
}
