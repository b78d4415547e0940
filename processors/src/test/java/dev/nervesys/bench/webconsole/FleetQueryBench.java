package dev.nervesys.bench.webconsole;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.ConsoleDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The fleet page's data with many agents (docs/console.md, "Measured"): a database of its own
 * ({@code cons_bench_*}, dropped at the end) filled with {@code agents} x {@code beats} heartbeats
 * (one a day's worth at {@code 86400 / beats} s), then, alternating, the reference (the
 * {@code DISTINCT ON} query of {@code nervesys fleet}, the DISTINCT ON query it used before common.FleetQueries, kept here as REFERENCE) and the console's fleet
 * answer (skip-scan query, newest revision, alerts today, JSON), {@code rounds} times each.
 * Run: {@code java -cp $CP dev.nervesys.bench.webconsole.FleetQueryBench 10000 144 5}. A fourth argument names a
 * database to keep: filled on the first run when its {@code agent_status} is empty, reused as it is
 * afterwards and never dropped (the 14.4 M rows of 10000 x 1440 take minutes to fill).
 */
public final class FleetQueryBench {

    /** The fleet query of {@code nervesys fleet} before the skip scan: DISTINCT ON reads every beat. */
    static final String REFERENCE = """
            WITH latest AS (SELECT DISTINCT ON (agent_id) * FROM agent_status ORDER BY agent_id, ts DESC),
                 newest AS (SELECT config_revision FROM agent_status WHERE config_revision IS NOT NULL ORDER BY ts DESC LIMIT 1)
            SELECT l.agent_id, l.server, l.ts, l.status, l.config_revision, l.config_rejected_revision,
                   l.metrics->>'cpu_percent' AS cpu, l.metrics->>'disk_percent' AS disk,
                   COALESCE((l.metrics->>'open_alerts')::int, jsonb_array_length(l.alerts)) AS open_alerts, l.buffer_rows,
                   l.archive_lag_seconds, now() - l.ts > make_interval(secs => 3 * COALESCE(NULLIF(l.interval_seconds, 0), 60)) AS silent,
                   l.config_revision IS DISTINCT FROM (SELECT config_revision FROM newest) AS behind
            FROM latest l ORDER BY l.agent_id
            """;

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int beats = args.length > 1 ? Integer.parseInt(args[1]) : 144;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String pg = "jdbc:postgresql://127.0.0.1:5432/";
        boolean keep = args.length > 3;
        String db = keep ? args[3] : "cons_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        if (!db.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("database name " + db);
        }
        try (Connection c = DriverManager.getConnection(pg + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            boolean exists;
            try (java.sql.ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                s.execute("CREATE DATABASE " + db);
            }
        }
        try {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(pg + db);
            ds.setUser("postgres");
            Migrations.apply(ds, Dialect.POSTGRES);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            long step = 86_400L / beats;
            long t0 = System.nanoTime();
            long have;
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM agent_status")) {
                rs.next();
                have = rs.getLong(1);
            }
            if (have > 0) {
                System.out.printf("database %s kept: %d rows already%n", db, have);
            } else try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement("""
                    INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, buffer_rows, interval_seconds)
                    SELECT 'agent-' || lpad(a::text, 5, '0'), 'srv-' || a,
                           CAST(? AS timestamptz) - b * make_interval(secs => ?) - (a % 60) * interval '1 second',
                           CASE WHEN a % 50 = 0 THEN 'degraded' ELSE 'healthy' END,
                           jsonb_build_object('cpu_percent', (a * 7 + b) % 100, 'ram_percent', 40, 'disk_percent', 50,
                                              'buffer_percent', (a + b) % 10),
                           '[]'::jsonb, CASE WHEN a % 20 = 0 THEN 'rev-old' ELSE 'rev-new' END, 100, ?
                    FROM generate_series(1, ?) a, generate_series(0, ? - 1) b
                    """)) {
                p.setTimestamp(1, Timestamp.from(now));
                p.setLong(2, step);
                p.setLong(3, step);
                p.setInt(4, agents);
                p.setInt(5, beats);
                p.executeUpdate();
            }
            if (have == 0) {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("VACUUM ANALYZE agent_status");
                }
            }
            System.out.printf("filled %d agents x %d beats = %d rows in %.1f s%n", agents, beats, (long) agents * beats,
                    (System.nanoTime() - t0) / 1e9);
            ConsoleDatabase console = new ConsoleDatabase(ds);
            console.fleet(now, "agent-00001"); // creates the console's tables once
            ObjectMapper json = new ObjectMapper();
            for (int r = 1; r <= rounds; r++) {
                long a = System.nanoTime();
                int refRows;
                try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                     java.sql.ResultSet rs = s.executeQuery(REFERENCE)) {
                    int n = 0;
                    while (rs.next()) {
                        n++;
                    }
                    refRows = n;
                }
                double ref = (System.nanoTime() - a) / 1e6;
                long b = System.nanoTime();
                List<Map<String, Object>> rows = console.fleet(now, null);
                double query = (System.nanoTime() - b) / 1e6;
                String rev = console.newestRevision();
                long today = console.alertsSince(now.truncatedTo(ChronoUnit.DAYS));
                int bytes = json.writeValueAsBytes(Map.of("agents", rows, "newest", String.valueOf(rev), "today", today)).length;
                double ours = (System.nanoTime() - b) / 1e6;
                System.out.printf("round %d: reference (DISTINCT ON, %d rows) %.0f ms, console fleet query %.0f ms, whole answer (%d agents, %d KB JSON) %.0f ms, "
                        + "ratio %.1fx%n", r, refRows, ref, query, rows.size(), bytes / 1024, ours, ref / ours);
            }
        } finally {
            if (!keep) {
                try (Connection c = DriverManager.getConnection(pg + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                }
            }
        }
    }
}
