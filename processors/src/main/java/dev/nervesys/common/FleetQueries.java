package dev.nervesys.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet view over PostgreSQL's {@code agent_status} (docs/fleet.md): the latest beat of every
 * agent, flagged {@code stale} when the agent has been silent for more than three of its intervals
 * and {@code on_newest} when it runs the revision of the fleet's most recent beat. One copy for
 * {@code nervesys fleet}, the web console and the orchestrator's fleet API. "Now" is always a
 * parameter (the caller's clock), never the database's {@code now()}.
 *
 * <p>The agents are found by a skip scan of the heartbeat's index {@code (agent_id, ts DESC)} (a
 * recursive CTE, one index probe per agent, then the latest beat of each with
 * {@code LATERAL ... LIMIT 1}) instead of {@code DISTINCT ON}, which reads every beat: its cost
 * grows with the number of agents, not of beats (docs/console.md, "Measured").
 */
public final class FleetQueries {

    /** A JSON number of the metrics column of the beat aliased {@code l}, or NULL. */
    public static String metric(String key) {
        if (!key.matches("[a-z_]+")) {
            throw new IllegalArgumentException("metric key " + key);
        }
        return "CASE WHEN jsonb_typeof(l.metrics->'" + key + "') = 'number' THEN (l.metrics->>'" + key + "')::float8 END";
    }

    /**
     * The CTE {@code agents(agent_id)} of every agent id, by the skip scan; its last row is NULL
     * (join it with {@code LATERAL}, which drops that row). Put it after {@code WITH RECURSIVE}.
     */
    public static String allAgentsCte() {
        return ALL_AGENTS;
    }

    static final String ALL_AGENTS = """
            agents AS (
              (SELECT agent_id FROM agent_status ORDER BY agent_id LIMIT 1)
              UNION ALL
              SELECT (SELECT s.agent_id FROM agent_status s WHERE s.agent_id > a.agent_id ORDER BY s.agent_id LIMIT 1)
              FROM agents a WHERE a.agent_id IS NOT NULL
            )""";
    static final String ONE_AGENT = "agents AS (SELECT CAST(? AS text) AS agent_id)";

    /**
     * The latest beat of the agent in column {@code <alias>.agent_id}, as a lateral join:
     * {@code LEFT JOIN LATERAL (LATEST_BEAT) l ON true}. One index probe.
     */
    public static String latestBeatOf(String alias) {
        return "SELECT * FROM agent_status s WHERE s.agent_id = " + alias + ".agent_id ORDER BY s.ts DESC LIMIT 1";
    }

    /** The latest beat of each agent (one index probe each), with its age, stale and on-newest flags. */
    static final String FLEET = """
            WITH RECURSIVE %s, latest AS (
              SELECT l.* FROM agents a CROSS JOIN LATERAL (%s) l
            ), newest AS (
              SELECT config_revision FROM agent_status WHERE config_revision IS NOT NULL ORDER BY ts DESC LIMIT 1
            )
            SELECT l.agent_id, l.server, l.ts, l.status, l.status_reason, l.config_revision,
                   l.config_rejected_revision, l.config_rejected_error, l.agent_version,
                   %s AS cpu_percent, %s AS ram_percent, %s AS disk_percent, %s AS buffer_percent,
                   l.buffer_rows, l.buffer_dropped, l.archive_lag_seconds, l.ingest_rate, l.uptime_seconds,
                   COALESCE(l.interval_seconds, 60) AS interval_seconds,
                   COALESCE(CASE WHEN jsonb_typeof(l.metrics->'open_alerts') = 'number' THEN (l.metrics->>'open_alerts')::int END,
                            jsonb_array_length(l.alerts)) AS open_alerts,
                   EXTRACT(EPOCH FROM (CAST(? AS timestamptz) - l.ts))::float8 AS age_seconds,
                   CAST(? AS timestamptz) - l.ts > make_interval(secs => 3 * COALESCE(NULLIF(l.interval_seconds, 0), 60)) AS stale,
                   l.config_revision IS NOT DISTINCT FROM (SELECT config_revision FROM newest) AS on_newest
            FROM latest l
            ORDER BY l.agent_id
            """;

    private FleetQueries() {
    }

    /** The SQL of {@link #fleet}: every agent, or one ({@code oneAgent}: its id is the first parameter). */
    public static String fleetSql(boolean oneAgent) {
        return FLEET.formatted(oneAgent ? ONE_AGENT : ALL_AGENTS, latestBeatOf("a"), metric("cpu_percent"), metric("ram_percent"),
                metric("disk_percent"), metric("buffer_percent"));
    }

    /**
     * The latest beat of every agent (or of one, {@code agent} not null) at {@code now}: columns of
     * agent_status plus cpu/ram/disk/buffer_percent, open_alerts, age_seconds, stale, on_newest.
     */
    public static List<Map<String, Object>> fleet(Connection c, Instant now, String agent) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(fleetSql(agent != null))) {
            int i = 1;
            if (agent != null) {
                p.setString(i++, agent);
            }
            p.setTimestamp(i++, Timestamp.from(now));
            p.setTimestamp(i, Timestamp.from(now));
            return rows(p);
        }
    }

    /** The revision of the fleet's most recent beat (null when none has one). */
    public static String newestRevision(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT config_revision FROM agent_status WHERE config_revision IS NOT NULL ORDER BY ts DESC LIMIT 1");
             ResultSet rs = p.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Rows as maps of column label to value; timestamps as ISO-8601 text. */
    public static List<Map<String, Object>> rows(PreparedStatement p) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof Timestamp t) {
                        v = t.toInstant().toString();
                    } else if (v instanceof OffsetDateTime o) {
                        v = o.toInstant().toString();
                    }
                    row.put(md.getColumnLabel(i), v);
                }
                out.add(row);
            }
        }
        return out;
    }
}
