package dev.nervesys.reports;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the heartbeat table ({@code agent_status}, written by the heartbeat capability) for a
 * period, in one pass ordered by agent and time, and hands each row to a {@link FleetAggregator}.
 * Aggregating in Java rather than in SQL keeps one query for PostgreSQL (JSONB) and SQLite (JSON
 * text), and keeps memory flat: only the current agent's state and the fleet's buckets are held.
 */
public final class HeartbeatSource {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter SQLITE_TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final String url;
    private final String user;
    private final String password;
    private final String table;

    public HeartbeatSource(String url, String user, String password, String table) {
        if (!IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("nervesys.reports.source.table is not a table name: " + table);
        }
        this.url = url;
        this.user = user;
        this.password = password;
        this.table = table;
    }

    public String url() {
        return url;
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(url, p);
    }

    private boolean sqlite() {
        return url.startsWith("jdbc:sqlite:");
    }

    /** Streams the heartbeats of {@code [from, to)} into {@code aggregator}; returns the rows read. */
    public long read(Instant from, Instant to, FleetAggregator aggregator) throws SQLException, IOException {
        String sql = "SELECT agent_id, server, ts, status, metrics, alerts, uptime_seconds, config_revision,"
                + " config_rejected_revision, config_rejected_error, buffer_rows, buffer_dropped, archive_lag_seconds,"
                + " ingest_rate, agent_version FROM " + table + " WHERE ts >= ? AND ts < ? ORDER BY agent_id, ts";
        long rows = 0;
        try (Connection c = connect()) {
            c.setAutoCommit(false); // PostgreSQL streams with a cursor only inside a transaction
            if (!sqlite()) {
                // the SQLite driver refuses a read-only flag after connecting (the read ends in a rollback anyway)
                c.setReadOnly(true);
            }
            try (PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                bindTime(ps, 1, from);
                bindTime(ps, 2, to);
                ps.setFetchSize(5000);
                Metrics m = new Metrics();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.reset();
                        parseMetrics(rs.getString(5), m);
                        aggregator.add(rs.getString(1), rs.getString(2), instant(rs.getObject(3)), rs.getString(4), m,
                                alertKeys(rs.getString(6)), longOr(rs, 7), rs.getString(8), rs.getString(9), rs.getString(10),
                                longOr(rs, 11), longOr(rs, 12), doubleOr(rs, 13), doubleOr(rs, 14), rs.getString(15));
                        rows++;
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return rows;
    }

    /** One row of the alerts' alert_history: an alert raised (first seen) by an agent. */
    public record HistoryAlert(String agentId, String rule, String severity) {
    }

    /**
     * The alerts first seen in {@code [from, to)} according to the alerts' {@code alert_history}
     * table (in the schema of the heartbeat table), or null when the table does not exist (an
     * older database, or a heartbeat table written without the alerts capability).
     */
    public List<HistoryAlert> alertHistory(Instant from, Instant to) throws SQLException {
        String history = table.contains(".") ? table.substring(0, table.indexOf('.') + 1) + "alert_history" : "alert_history";
        try (Connection c = connect()) {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT alert_id FROM " + history + " WHERE 1 = 0").close();
            } catch (SQLException absent) {
                return null;
            }
            String sql = "SELECT agent_id, rule, label FROM " + history + " WHERE first_seen >= ? AND first_seen < ?"
                    + " ORDER BY agent_id, first_seen";
            List<HistoryAlert> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bindTime(ps, 1, from);
                bindTime(ps, 2, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new HistoryAlert(rs.getString(1), rs.getString(2), rs.getString(3) == null ? "" : rs.getString(3)));
                    }
                }
            }
            return out;
        }
    }

    /** Critical heartbeats after {@code since}, oldest first, as "agent: alert, alert" lines; and their newest time. */
    public List<Object[]> criticalSince(Instant since, int limit) throws SQLException, IOException {
        String sql = "SELECT agent_id, ts, alerts FROM " + table + " WHERE status = ? AND ts > ? ORDER BY ts LIMIT ?";
        List<Object[]> out = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, "critical");
            bindTime(ps, 2, since);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Set<String> keys = new LinkedHashSet<>();
                    alertKeys(rs.getString(3)).forEach(k -> keys.add(k.name()));
                    out.add(new Object[] {rs.getString(1), instant(rs.getObject(2)), String.join(", ", keys)});
                }
            }
        }
        return out;
    }

    private void bindTime(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (sqlite()) {
            // the heartbeat capability's SQLite table keeps ts as ISO-8601 UTC text, which sorts as time
            ps.setString(index, SQLITE_TS.format(t));
        } else {
            ps.setObject(index, t.atOffset(ZoneOffset.UTC));
        }
    }

    static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (o instanceof Number n) {
            long v = n.longValue();
            return v > 100_000_000_000L ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
        }
        String s = o.toString().trim();
        if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:?\\d\\d$")) {
            return OffsetDateTime.parse(s.replace(' ', 'T').replaceAll("([+-]\\d\\d)(\\d\\d)$", "$1:$2")
                    .replaceAll("([+-]\\d\\d)$", "$1:00")).toInstant();
        }
        return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
    }

    private static long longOr(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? -1 : v;
    }

    private static double doubleOr(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? Double.NaN : v;
    }

    /** The four figures of the metrics JSON; NaN when absent. */
    static final class Metrics {
        double cpu;
        double ram;
        double disk;
        double bufferMb;

        void reset() {
            cpu = ram = disk = bufferMb = Double.NaN;
        }
    }

    static void parseMetrics(String json, Metrics m) throws IOException {
        if (json == null || json.isEmpty()) {
            return;
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t.isNumeric()) {
                    double v = p.getDoubleValue();
                    switch (name) {
                        case "cpu_percent" -> m.cpu = v;
                        case "ram_percent" -> m.ram = v;
                        case "disk_percent" -> m.disk = v;
                        case "buffer_size_mb" -> m.bufferMb = v;
                        default -> { }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    /** An open alert: its rule name and severity. */
    public record AlertKey(String name, String severity) {
    }

    /**
     * Open alerts from the alerts JSON: an array of objects (name from rule, name, id, alert or type;
     * severity from severity or level), an array of strings, or an object keyed by alert name.
     */
    static List<AlertKey> alertKeys(String json) throws IOException {
        if (json == null || json.length() < 3 || json.equals("null")) {
            return List.of();
        }
        JsonNode root = MAPPER.readTree(json);
        List<AlertKey> out = new ArrayList<>();
        if (root.isArray()) {
            for (JsonNode a : root) {
                if (a.isTextual()) {
                    out.add(new AlertKey(a.asText(), ""));
                } else if (a.isObject()) {
                    out.add(new AlertKey(first(a, "rule", "name", "id", "alert", "type", "metric"), first(a, "severity", "level")));
                }
            }
        } else if (root.isObject()) {
            root.fields().forEachRemaining(e -> out.add(new AlertKey(e.getKey(),
                    e.getValue().isObject() ? first(e.getValue(), "severity", "level") : e.getValue().asText(""))));
        }
        return out;
    }

    private static String first(JsonNode node, String... names) {
        for (String n : names) {
            JsonNode v = node.get(n);
            if (v != null && !v.isNull()) {
                return v.asText();
            }
        }
        return "";
    }
}
