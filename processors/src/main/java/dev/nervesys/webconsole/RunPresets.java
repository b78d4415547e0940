package dev.nervesys.webconsole;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chart presets of the runs pages (docs/console.md, "Runs"): named sets of series, saved per console
 * user in table {@code console_run_preset} of the fleet's PostgreSQL, created at first use like the
 * console's other tables. A user sees and changes only their own presets.
 */
final class RunPresets {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Presets one user may keep, series in one preset, characters of a name or a series. */
    static final int MAX_PRESETS = 100;
    static final int MAX_SERIES = 24;
    static final int MAX_NAME = 64;
    static final int MAX_SERIES_NAME = 200;

    static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS console_run_preset (
                username TEXT NOT NULL,
                name TEXT NOT NULL,
                series TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (username, name)
            )""";

    private final ConsoleDatabase db;
    private volatile boolean schemaReady;

    RunPresets(ConsoleDatabase db) {
        this.db = db;
    }

    private Connection connect() throws SQLException {
        Connection c = db.connect();
        if (!schemaReady) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            schemaReady = true;
        }
        return c;
    }

    /** The user's presets by name: {@code [{name, series, updated_at}]}. */
    List<Map<String, Object>> list(String user) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT name, series, updated_at FROM console_run_preset WHERE username = ? ORDER BY name")) {
            p.setString(1, user);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", rs.getString(1));
                    try {
                        m.put("series", JSON.readValue(rs.getString(2), new TypeReference<List<String>>() { }));
                    } catch (IOException e) {
                        m.put("series", List.of());
                    }
                    m.put("updated_at", rs.getTimestamp(3).toInstant().toString());
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Saves (or replaces) a preset; false when the user already has {@link #MAX_PRESETS} others. */
    boolean save(String user, String name, List<String> series, Instant now) throws SQLException {
        String text;
        try {
            text = JSON.writeValueAsString(series);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try (Connection c = connect()) {
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT count(*) FROM console_run_preset WHERE username = ? AND name <> ?")) {
                p.setString(1, user);
                p.setString(2, name);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) >= MAX_PRESETS) {
                        return false;
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("""
                    INSERT INTO console_run_preset (username, name, series, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (username, name) DO UPDATE SET series = EXCLUDED.series, updated_at = EXCLUDED.updated_at""")) {
                p.setString(1, user);
                p.setString(2, name);
                p.setString(3, text);
                p.setTimestamp(4, Timestamp.from(now));
                p.executeUpdate();
            }
        }
        return true;
    }

    /** Deletes one of the user's presets; false when there was none of that name. */
    boolean delete(String user, String name) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "DELETE FROM console_run_preset WHERE username = ? AND name = ?")) {
            p.setString(1, user);
            p.setString(2, name);
            return p.executeUpdate() == 1;
        }
    }
}
