package dev.nervesys.buffer;

import dev.nervesys.spi.RecordKind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffer file: how its one connection is opened, its tables, the conversion of files written
 * before chunks, and the small SQL helpers every part of the buffer uses (docs/buffer.md).
 *
 * <p>Tables: {@code chunks} (one row per chunk, layout in {@link ChunkCodec}), {@code cursors} (one
 * row per consumer, {@link Cursors}) and {@code meta} (the persisted positions {@code first},
 * {@code head}, and the {@code dropped} count). Static helpers only, called by {@link RecordBuffer}
 * on its connection under its lock.
 */
final class BufferSchema {

    /** Logged under the buffer's name, where operators look for it. */
    private static final Logger LOG = LoggerFactory.getLogger(RecordBuffer.class);

    private BufferSchema() {
    }

    /** The SQLite synchronous mode (nervesys.buffer.synchronous), upper case, or an IllegalArgumentException. */
    static String synchronous(String synchronous) {
        String sync = synchronous.trim().toUpperCase(Locale.ROOT);
        if (!Set.of("OFF", "NORMAL", "FULL", "EXTRA").contains(sync)) {
            throw new IllegalArgumentException("nervesys.buffer.synchronous must be NORMAL, FULL, EXTRA or OFF, not '"
                    + synchronous + "'");
        }
        return sync;
    }

    /**
     * Opens the file in WAL mode, creates the tables that are missing, and leaves the connection
     * outside auto-commit: every caller commits its own transaction.
     */
    static Connection connect(Path file, String synchronous) throws SQLException {
        Connection conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            // NORMAL in WAL mode survives a killed process (the WAL is in the OS cache); FULL would
            // also survive power loss, at one fsync per batch.
            s.execute("PRAGMA synchronous=" + synchronous);
            // checkpoints are explicit: TRUNCATE once the WAL passes its share of the cap (DiskBudget)
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("PRAGMA busy_timeout=10000");
            // small columns first: lookups read them without touching the body's overflow pages
            s.execute("CREATE TABLE IF NOT EXISTS chunks(last_id INTEGER PRIMARY KEY, first_id INTEGER NOT NULL,"
                    + " received_at INTEGER NOT NULL, start_off INTEGER NOT NULL, end_off INTEGER NOT NULL,"
                    + " kinds BLOB NOT NULL, lens BLOB NOT NULL, codec INTEGER NOT NULL, body BLOB NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS cursors(name TEXT PRIMARY KEY, position INTEGER NOT NULL,"
                    + " end_off INTEGER NOT NULL, enabled INTEGER NOT NULL, state TEXT)");
            s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        }
        conn.setAutoCommit(false);
        return conn;
    }

    /** PRAGMA page_size, 4096 when SQLite does not say. */
    static int pageSize(Connection conn) throws SQLException {
        long pageSize = queryLong(conn, "PRAGMA page_size", -1);
        return pageSize > 0 ? (int) pageSize : 4096;
    }

    /**
     * Buffers written before chunks (one row per record, table {@code records}) are converted on open,
     * one chunk per transaction, so the file never holds both copies of more than a chunk.
     *
     * @param insert a statement prepared from {@link ChunkCodec#INSERT} on {@code conn}
     */
    static void migrateRowPerRecord(Connection conn, PreparedStatement insert, long chunkBytes, int zstdLevel)
            throws SQLException {
        if (queryLong(conn, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='records'", 0) == 0) {
            return;
        }
        long migrated = 0;
        try (PreparedStatement page = conn.prepareStatement(
                "SELECT id, kind, received_at, end_off, body FROM records ORDER BY id LIMIT ?");
             PreparedStatement delete = conn.prepareStatement("DELETE FROM records WHERE id <= ?")) {
            while (true) {
                page.setInt(1, ChunkCodec.CHUNK_RECORDS);
                List<RecordKind> kinds = new ArrayList<>();
                List<byte[]> bodies = new ArrayList<>();
                long first = -1;
                long last = -1;
                long receivedAt = 0;
                long startOff = 0;
                long bytes = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        byte[] body = rs.getBytes(5);
                        if (first >= 0 && (id != last + 1 || ChunkCodec.chunkFull(kinds.size(), bytes, body.length, chunkBytes))) {
                            break;
                        }
                        if (first < 0) {
                            first = id;
                            receivedAt = rs.getLong(3);
                            startOff = rs.getLong(4) - body.length;
                        }
                        last = id;
                        bytes += body.length;
                        kinds.add(RecordKind.of(rs.getInt(2)));
                        bodies.add(body);
                    }
                }
                if (first < 0) {
                    break;
                }
                ChunkCodec.addInsert(insert, first, receivedAt, startOff,
                        ChunkCodec.pack(kinds, bodies, 0, bodies.size(), zstdLevel));
                insert.executeBatch();
                delete.setLong(1, last);
                delete.executeUpdate();
                conn.commit();
                migrated += bodies.size();
            }
        }
        try (Statement s = conn.createStatement()) {
            s.execute("DROP TABLE records");
        }
        conn.commit();
        LOG.info("buffer: converted {} records from one row per record to chunks", migrated);
    }

    /** The first column of the first row as a long; {@code whenNull} when there is no row or it is NULL. */
    static long queryLong(Connection conn, String sql, long whenNull) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? whenNull : v;
            }
            return whenNull;
        }
    }

    /** A value of table {@code meta}, 0 when it was never set. */
    static long meta(Connection conn, String key) throws SQLException {
        return queryLong(conn, "SELECT value FROM meta WHERE key='" + key + "'", 0);
    }

    /** Sets a value of table {@code meta}, in the caller's transaction. */
    static void putMeta(Connection conn, String key, long value) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            ps.executeUpdate();
        }
    }
}
