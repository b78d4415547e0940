package dev.nervesys.heartbeat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet view over PostgreSQL's agent_status (docs/fleet.md has the same SQL): the latest beat
 * per agent, flagged when the agent is silent for more than three of its intervals and when it is
 * not on the newest applied revision of the fleet.
 */
public final class FleetQueries {

    /** Latest beat per agent, silent and behind flags. */
    public static final String FLEET = """
            WITH latest AS (
              SELECT DISTINCT ON (agent_id) *
              FROM agent_status
              ORDER BY agent_id, ts DESC
            ), newest AS (
              SELECT config_revision FROM agent_status
              WHERE config_revision IS NOT NULL
              ORDER BY ts DESC LIMIT 1
            )
            SELECT l.agent_id, l.server, l.ts, l.status, l.config_revision, l.config_rejected_revision,
                   l.metrics->>'cpu_percent' AS cpu, l.metrics->>'disk_percent' AS disk,
                   COALESCE((l.metrics->>'open_alerts')::int, jsonb_array_length(l.alerts)) AS open_alerts, l.buffer_rows, l.archive_lag_seconds,
                   now() - l.ts > make_interval(secs => 3 * COALESCE(NULLIF(l.interval_seconds, 0), 60)) AS silent,
                   l.config_revision IS DISTINCT FROM (SELECT config_revision FROM newest) AS behind
            FROM latest l
            ORDER BY l.agent_id
            """;

    private FleetQueries() {
    }

    public static List<Map<String, Object>> fleet(Connection c) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(FLEET); ResultSet rs = p.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}
