package dev.nervesys.webconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.FleetQueries;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The performance page's figures (docs/console.md, "Performance"): per route and per agent,
 * throughput, failures and mean/max processing time over a period, from the route figures each
 * agent's heartbeat carries ({@code agent_status.route_stats}: Camel's counters since the route
 * started). For each agent the latest beat and its first beat of the period are read (two index
 * probes per agent, found by the fleet's skip scan); the difference of their counters is the
 * period's work. When a count went down (the agent or the route restarted within the period) the
 * latest counters alone are taken, over the route's uptime. Mean time over the period is the
 * difference of (mean x count) divided by the difference of counts; the max is Camel's since the
 * route started (a maximum cannot be differenced). The routes of the fleet come slowest first.
 */
final class Performance {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Duration> PERIODS = Map.of("1h", Duration.ofHours(1), "6h", Duration.ofHours(6),
            "24h", Duration.ofDays(1), "7d", Duration.ofDays(7));

    private static final String SQL = """
            WITH RECURSIVE %s
            SELECT a.agent_id, l.ts AS last_ts, l.route_stats::text AS last_stats, f.ts AS first_ts, f.route_stats::text AS first_stats
            FROM agents a
            CROSS JOIN LATERAL (SELECT ts, route_stats FROM agent_status s WHERE s.agent_id = a.agent_id ORDER BY s.ts DESC LIMIT 1) l
            LEFT JOIN LATERAL (SELECT ts, route_stats FROM agent_status s WHERE s.agent_id = a.agent_id AND s.ts >= ? AND s.ts < l.ts
                               AND s.route_stats IS NOT NULL ORDER BY s.ts LIMIT 1) f ON true
            WHERE l.ts >= ? AND (CAST(? AS text) IS NULL OR a.agent_id = ?)
            ORDER BY a.agent_id
            """.formatted(FleetQueries.allAgentsCte());

    private final ConsoleDatabase db;

    Performance(ConsoleDatabase db) {
        this.db = db;
    }

    /** One route of one agent over the period. */
    record Figures(String agent, String route, long exchanges, long failed, double perMinute, double meanMs, long maxMs,
                   boolean restarted) {
    }

    Map<String, Object> answer(String period, String agent, Instant now) throws ApiError, SQLException {
        String p = period == null ? "1h" : period;
        Duration d = PERIODS.get(p);
        if (d == null) {
            throw new ApiError(400, "period must be one of 1h, 6h, 24h, 7d");
        }
        Instant from = now.minus(d);
        List<Figures> rows = new ArrayList<>();
        List<String> without = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(SQL)) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setString(3, agent);
            ps.setString(4, agent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString("agent_id");
                    JsonNode last = parse(rs.getString("last_stats"));
                    if (last == null || last.isEmpty()) {
                        without.add(id);
                        continue;
                    }
                    Timestamp firstTs = rs.getTimestamp("first_ts");
                    rows.addAll(figures(id, last, parse(rs.getString("first_stats")), rs.getTimestamp("last_ts").toInstant(),
                            firstTs == null ? null : firstTs.toInstant(), from));
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("period", p);
        out.put("from", from.toString());
        out.put("to", now.toString());
        out.put("routes", fleet(rows));
        rows.sort(Comparator.comparing(Figures::agent).thenComparing(Comparator.comparingDouble(Figures::meanMs).reversed())
                .thenComparing(Figures::route));
        out.put("agents", rows);
        out.put("agentsWithoutFigures", without);
        return out;
    }

    private static JsonNode parse(String text) throws SQLException {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new SQLException("route_stats is not JSON: " + e.getMessage(), e);
        }
    }

    /** The period's figures of each route of one agent's latest beat. */
    static List<Figures> figures(String agent, JsonNode last, JsonNode first, Instant lastTs, Instant firstTs, Instant from) {
        List<Figures> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = last.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode l = e.getValue();
            JsonNode f = first == null ? null : first.get(e.getKey());
            long n = l.path("n").asLong();
            long failed = l.path("f").asLong();
            double mean = l.path("mean").asDouble();
            long up = l.path("up").asLong();
            double seconds;
            boolean restarted = f == null || firstTs == null || n < f.path("n").asLong() || up < f.path("up").asLong()
                    || failed < f.path("f").asLong();
            if (!restarted) {
                long dn = n - f.path("n").asLong();
                double work = mean * n - f.path("mean").asDouble() * f.path("n").asLong();
                mean = dn > 0 ? Math.max(0, work / dn) : 0;
                n = dn;
                failed -= f.path("f").asLong();
                seconds = Duration.between(firstTs, lastTs).toMillis() / 1000.0;
            } else {
                // counters since the route (re)started, at most back to the period's start
                seconds = Math.min(up, Duration.between(from, lastTs).toSeconds());
            }
            double perMinute = seconds <= 0 ? 0 : n * 60.0 / seconds;
            out.add(new Figures(agent, e.getKey(), n, failed, round(perMinute), round(mean), l.path("max").asLong(), restarted));
        }
        return out;
    }

    /** Per route over the fleet: sums, the mean weighted by exchanges, the largest max; slowest first. */
    static List<Map<String, Object>> fleet(List<Figures> rows) {
        Map<String, double[]> by = new LinkedHashMap<>(); // agents, exchanges, failed, perMinute, mean x n, max, mean sum
        for (Figures f : rows) {
            double[] a = by.computeIfAbsent(f.route(), k -> new double[7]);
            a[0]++;
            a[1] += f.exchanges();
            a[2] += f.failed();
            a[3] += f.perMinute();
            a[4] += f.meanMs() * f.exchanges();
            a[5] = Math.max(a[5], f.maxMs());
            a[6] += f.meanMs();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        by.forEach((route, a) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("route", route);
            m.put("agents", (long) a[0]);
            m.put("exchanges", (long) a[1]);
            m.put("failed", (long) a[2]);
            m.put("failedPercent", a[1] > 0 ? round(100 * a[2] / a[1]) : 0.0);
            m.put("perMinute", round(a[3]));
            m.put("meanMs", round(a[1] > 0 ? a[4] / a[1] : a[6] / a[0]));
            m.put("maxMs", (long) a[5]);
            out.add(m);
        });
        out.sort(Comparator.comparingDouble((Map<String, Object> m) -> (Double) m.get("meanMs")).reversed()
                .thenComparing(Comparator.comparingLong((Map<String, Object> m) -> (Long) m.get("maxMs")).reversed())
                .thenComparing(m -> (String) m.get("route")));
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
