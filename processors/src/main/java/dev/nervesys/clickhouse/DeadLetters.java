package dev.nervesys.clickhouse;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows ClickHouse refused (or that cannot be stored at all), kept with the error in a small SQLite
 * file of the shipper's own ({@code <dataDir>/clickhouse/dead-letters.db}): the buffer's API offers
 * no table of a consumer's own, and its single connection is the buffer's to keep the WAL bounded.
 * Keyed by buffer id and table, so a batch replayed after a crash never counts a row twice.
 *
 * <p>The same file keeps the batches watched for a late copy ({@link Watched}, see
 * {@link ClickHouseShipper}): they must outlive a restart, since the copy may land after one.
 */
public final class DeadLetters implements AutoCloseable {

    /** One refused row: its buffer id, when it was received, its body, the table and the error. */
    public record Letter(long bufferId, long receivedAt, byte[] body, String table, String error) {
    }

    /**
     * A batch sent again after an attempt whose outcome was unknown: buffer ids {@code first..last} of
     * the named runs, watched from {@code since} (epoch ms) until the shipper's late-insert window ends.
     */
    public record Watched(long first, long last, List<String> runs, long since) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> RUNS = new TypeReference<>() { };

    private final Connection conn;

    public DeadLetters(Path file) throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS dead_letters(buffer_id INTEGER NOT NULL, target TEXT NOT NULL,"
                    + " received_at INTEGER NOT NULL, failed_at INTEGER NOT NULL, error TEXT NOT NULL, body BLOB NOT NULL,"
                    + " PRIMARY KEY (buffer_id, target))");
            s.execute("CREATE TABLE IF NOT EXISTS watched_batches(first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL,"
                    + " runs TEXT NOT NULL, since INTEGER NOT NULL)");
        }
    }

    /** Starts (or restarts, widened) watching a batch; kept until {@link #forget}. */
    public synchronized void watch(Watched w) throws SQLException, IOException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO watched_batches(first_id, last_id, runs, since)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT(first_id) DO UPDATE SET last_id = max(last_id, excluded.last_id),"
                + " runs = excluded.runs, since = excluded.since")) {
            ps.setLong(1, w.first());
            ps.setLong(2, w.last());
            ps.setString(3, JSON.writeValueAsString(w.runs()));
            ps.setLong(4, w.since());
            ps.executeUpdate();
        }
    }

    public synchronized List<Watched> watched() throws SQLException, IOException {
        List<Watched> out = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT first_id, last_id, runs, since FROM watched_batches ORDER BY first_id")) {
            while (rs.next()) {
                out.add(new Watched(rs.getLong(1), rs.getLong(2), JSON.readValue(rs.getString(3), RUNS), rs.getLong(4)));
            }
        }
        return out;
    }

    public synchronized void forget(Watched w) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM watched_batches WHERE first_id = ? AND since = ?")) {
            ps.setLong(1, w.first());
            ps.setLong(2, w.since());
            ps.executeUpdate();
        }
    }

    public synchronized void add(List<Letter> letters, long now) throws SQLException {
        if (letters.isEmpty()) {
            return;
        }
        conn.setAutoCommit(false);
        try (PreparedStatement ps = conn.prepareStatement("INSERT OR IGNORE INTO dead_letters"
                + "(buffer_id, target, received_at, failed_at, error, body) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Letter l : letters) {
                ps.setLong(1, l.bufferId());
                ps.setString(2, l.table());
                ps.setLong(3, l.receivedAt());
                ps.setLong(4, now);
                ps.setString(5, l.error());
                ps.setBytes(6, l.body());
                ps.addBatch();
            }
            ps.executeBatch();
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    public synchronized long count() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM dead_letters")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** The newest letters first, for the console and tests. */
    public synchronized List<Letter> latest(int limit) throws SQLException {
        List<Letter> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT buffer_id, received_at, body, target, error"
                + " FROM dead_letters ORDER BY failed_at DESC, buffer_id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Letter(rs.getLong(1), rs.getLong(2), rs.getBytes(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    @Override
    public synchronized void close() throws SQLException {
        conn.close();
    }
}
