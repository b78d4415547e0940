package dev.nervesys.buffer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consumer cursors table, mirrored in memory. Called only by {@link RecordBuffer} under its lock
 * and inside its transactions (it never commits itself).
 */
final class Cursors {

    record Cursor(String name, long position, long offset, boolean enabled, String state) {

        /** Records it has still to ship; records before {@code firstId} are gone for everyone. */
        long pendingRows(long headId, long firstId) {
            return headId - Math.max(position, firstId - 1);
        }

        /** Body bytes it has still to ship. */
        long pendingBytes(long headOffset) {
            return headOffset - offset;
        }
    }

    private final Connection conn;
    private final Map<String, Cursor> byName = new TreeMap<>();

    Cursors(Connection conn) throws SQLException {
        this.conn = conn;
        reload();
    }

    /** Reads the table again (after a rolled-back transaction, memory may be ahead of it). */
    void reload() throws SQLException {
        byName.clear();
        try (PreparedStatement ps = conn.prepareStatement("SELECT name, position, end_off, enabled, state FROM cursors");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byName.put(rs.getString(1), new Cursor(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4) != 0,
                        rs.getString(5)));
            }
        }
    }

    Cursor get(String name) {
        Cursor c = byName.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no buffer consumer named '" + name + "' (registerConsumer first)");
        }
        return c;
    }

    List<Cursor> all() {
        return new ArrayList<>(byName.values());
    }

    List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** Per consumer, by name: {@code enabled}, {@code pendingRows}, {@code pendingBytes} (the console's view). */
    Map<String, Object> lag(long headId, long firstId, long headOffset) {
        Map<String, Object> lag = new LinkedHashMap<>();
        for (Cursor c : byName.values()) {
            lag.put(c.name(), Map.of("enabled", c.enabled(), "pendingRows", c.pendingRows(headId, firstId),
                    "pendingBytes", c.pendingBytes(headOffset)));
        }
        return lag;
    }

    void register(String name, long position, long offset) throws SQLException {
        if (byName.containsKey(name)) {
            return;
        }
        write(new Cursor(name, position, offset, true, null));
    }

    void setEnabled(String name, boolean enabled) throws SQLException {
        Cursor c = get(name);
        write(new Cursor(name, c.position(), c.offset(), enabled, c.state()));
    }

    void saveState(String name, String state) throws SQLException {
        Cursor c = get(name);
        write(new Cursor(name, c.position(), c.offset(), c.enabled(), state));
    }

    void move(String name, long position, long offset, String state) throws SQLException {
        Cursor c = get(name);
        write(new Cursor(name, position, offset, c.enabled(), state));
    }

    /** Dropped rows are gone for everyone: cursors behind them jump past them. */
    void advanceAll(long position, long offset) throws SQLException {
        for (Cursor c : all()) {
            if (c.position() < position) {
                write(new Cursor(c.name(), position, offset, c.enabled(), c.state()));
            }
        }
    }

    long maxPosition() {
        return byName.values().stream().mapToLong(Cursor::position).max().orElse(0);
    }

    long maxOffset() {
        return byName.values().stream().mapToLong(Cursor::offset).max().orElse(0);
    }

    /** Rows up to this id are shipped by every enabled consumer; with none enabled, nothing is. */
    long minEnabledPosition(long headId) {
        return byName.values().stream().filter(Cursor::enabled).mapToLong(Cursor::position).min().orElse(0);
    }

    private void write(Cursor c) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO cursors(name, position, end_off, enabled, state) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, c.name());
            ps.setLong(2, c.position());
            ps.setLong(3, c.offset());
            ps.setInt(4, c.enabled() ? 1 : 0);
            ps.setString(5, c.state());
            ps.executeUpdate();
        }
        byName.put(c.name(), c);
    }
}
