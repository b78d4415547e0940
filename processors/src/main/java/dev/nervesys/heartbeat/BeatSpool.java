package dev.nervesys.heartbeat;

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
 * The bounded local queue every beat passes through ({@code <dataDir>/heartbeat/spool.db}, SQLite):
 * a beat is stored here first (a local write, never blocked by the database), and removed once the
 * flush route has written it. While the database is unreachable beats pile up here, with their
 * original timestamps, up to {@code nervesys.heartbeat.spoolMax}; beyond that the oldest are
 * dropped and counted. It survives restarts.
 */
public final class BeatSpool implements AutoCloseable {

    public record Entry(long seq, String json) {
    }

    private final Path file;
    private final int max;
    private Connection db;
    private long dropped;

    /** Opens nothing yet: the file is created on first use (validation contexts never use it). */
    public BeatSpool(Path file, int max) {
        this.file = file;
        this.max = Math.max(1, max);
    }

    private Connection db() throws SQLException {
        if (db != null) {
            return db;
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create " + file.getParent(), e);
        }
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            try (ResultSet rs = s.executeQuery("SELECT value FROM counters WHERE name = 'dropped'")) {
                dropped = rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        db = c;
        return db;
    }

    public synchronized void add(String json) throws SQLException {
        try (PreparedStatement p = db().prepareStatement("INSERT INTO spool (row) VALUES (?)")) {
            p.setString(1, json);
            p.executeUpdate();
        }
        long over = size() - max;
        if (over > 0) {
            try (PreparedStatement p = db().prepareStatement(
                    "DELETE FROM spool WHERE seq IN (SELECT seq FROM spool ORDER BY seq LIMIT ?)")) {
                p.setLong(1, over);
                p.executeUpdate();
            }
            dropped += over;
            try (PreparedStatement p = db().prepareStatement(
                    "INSERT INTO counters (name, value) VALUES ('dropped', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")) {
                p.setLong(1, dropped);
                p.executeUpdate();
            }
        }
    }

    /** The oldest entries, at most n. */
    public synchronized List<Entry> peek(int n) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement p = db().prepareStatement("SELECT seq, row FROM spool ORDER BY seq LIMIT ?")) {
            p.setInt(1, n);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(rs.getLong(1), rs.getString(2)));
                }
            }
        }
        return out;
    }

    /** Removes the entries up to and including seq (they were written). */
    public synchronized void remove(long upToSeq) throws SQLException {
        try (PreparedStatement p = db().prepareStatement("DELETE FROM spool WHERE seq <= ?")) {
            p.setLong(1, upToSeq);
            p.executeUpdate();
        }
    }

    public synchronized long size() throws SQLException {
        try (Statement s = db().createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM spool")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public synchronized long dropped() {
        if (db == null && java.nio.file.Files.exists(file)) {
            try {
                db();
            } catch (SQLException e) {
                return dropped;
            }
        }
        return dropped;
    }

    @Override
    public synchronized void close() throws SQLException {
        if (db != null) {
            db.close();
            db = null;
        }
    }
}
