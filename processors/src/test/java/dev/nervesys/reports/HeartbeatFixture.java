package dev.nervesys.reports;

import dev.nervesys.heartbeat.PgDatabase;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Random;

/**
 * A PostgreSQL database of its own ({@link PgDatabase}, dropped at close) with the
 * heartbeat table agent_status, filled with deterministic, realistic heartbeats: a daily CPU
 * wave with spikes (degraded above 75 %, critical above 90 %, with the matching open alerts),
 * a restart of agent 0 at 10:00, agent 2 silent 10:00-11:00, a config revision rolled out at
 * noon and one rejected by agent 1.
 */
public final class HeartbeatFixture implements AutoCloseable {

    private final PgDatabase db = new PgDatabase();
    final String name = db.name;
    final String url = db.url();

    public HeartbeatFixture() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE agent_status (id BIGSERIAL PRIMARY KEY, agent_id TEXT NOT NULL, server TEXT NOT NULL,"
                    + " ts TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, metrics JSONB NOT NULL, alerts JSONB NOT NULL DEFAULT '[]',"
                    + " last_action TEXT, uptime_seconds BIGINT, config_revision TEXT, config_rejected_revision TEXT,"
                    + " config_rejected_error TEXT, buffer_rows BIGINT, buffer_dropped BIGINT, archive_lag_seconds BIGINT,"
                    + " ingest_rate DOUBLE PRECISION, agent_version TEXT)");
        }
    }

    Connection connect() throws Exception {
        return db.connect();
    }

    static String agent(int i) {
        return String.format(Locale.ROOT, "agent-%04d", i);
    }

    /** {@code agents} x {@code minutes} heartbeats from {@code start}, one a minute, written with COPY in chunks. */
    public long fill(Instant start, int agents, int minutes) throws Exception {
        long rows = 0;
        try (Connection c = connect()) {
            c.createStatement().execute("CREATE INDEX IF NOT EXISTS agent_status_agent_ts ON agent_status (agent_id, ts)");
            var copy = ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI();
            StringBuilder b = new StringBuilder(1 << 20);
            for (int a = 0; a < agents; a++) {
                Random rnd = new Random(a * 7919L);
                double base = 15 + rnd.nextDouble() * 30;
                long dropped = 0;
                for (int m = 0; m < minutes; m++) {
                    if (a == 2 && m >= 600 && m < 660) {
                        continue;
                    }
                    Instant ts = start.plus(m, ChronoUnit.MINUTES).plusSeconds(a % 50);
                    double cpu = base + 20 * Math.sin(m / 1440.0 * 2 * Math.PI) + rnd.nextGaussian() * 3;
                    if ((m + a * 37) % 240 < 6) {
                        cpu += 50 + (a % 3) * 4; // a spike every 4 hours
                    }
                    cpu = Math.max(0, Math.min(100, cpu));
                    double ram = 40 + 10 * Math.cos(m / 300.0) + rnd.nextDouble() * 5;
                    double disk = 30 + a % 40 + m / 1440.0 * 2;
                    double buf = Math.max(0, 5 + 4 * Math.sin((m + a) / 90.0) + (cpu > 75 ? 30 : 0));
                    String status = cpu > 90 ? "critical" : cpu > 75 ? "degraded" : "healthy";
                    String alerts = cpu > 90 ? "[{\"rule\":\"cpu_high\",\"level\":\"warning\"},{\"rule\":\"cpu_critical\",\"level\":\"critical\"}]"
                            : cpu > 75 ? "[{\"rule\":\"cpu_high\",\"level\":\"warning\"}]" : "[]";
                    long uptime = a == 0 && m >= 600 ? (m - 600) * 60L : 86_400L * 3 + m * 60L;
                    if (cpu > 75) {
                        dropped += 10;
                    }
                    String rev = m < 720 ? "rev-aaaa" : "rev-bbbb";
                    String rejRev = a == 1 && m >= 800 ? "rev-bad1" : "\\N";
                    String rejErr = a == 1 && m >= 800 ? "routes/x.camel.yaml:3: unknown component" : "\\N";
                    b.append(agent(a)).append('\t').append("srv-").append(a % 10).append('\t').append(ts).append('\t')
                            .append(status).append('\t')
                            .append(String.format(Locale.ROOT, "{\"cpu_percent\": %.2f, \"ram_percent\": %.2f, \"disk_percent\": %.2f, \"buffer_size_mb\": %.2f}",
                                    cpu, ram, disk, buf)).append('\t')
                            .append(alerts).append('\t').append("\\N").append('\t').append(uptime).append('\t')
                            .append(rev).append('\t').append(rejRev).append('\t').append(rejErr).append('\t')
                            .append((long) (buf * 1000)).append('\t').append(dropped).append('\t').append(m % 600).append('\t')
                            .append(String.format(Locale.ROOT, "%.1f", 100 + rnd.nextDouble() * 50)).append('\t').append("0.1.0").append('\n');
                    rows++;
                    if (b.length() > (1 << 20) - 2048) {
                        copyChunk(copy, b);
                    }
                }
            }
            copyChunk(copy, b);
            c.createStatement().execute("ANALYZE agent_status");
        }
        return rows;
    }

    private static void copyChunk(org.postgresql.copy.CopyManager copy, StringBuilder b) throws Exception {
        if (b.length() > 0) {
            copy.copyIn("COPY agent_status (agent_id, server, ts, status, metrics, alerts, last_action, uptime_seconds,"
                    + " config_revision, config_rejected_revision, config_rejected_error, buffer_rows, buffer_dropped,"
                    + " archive_lag_seconds, ingest_rate, agent_version) FROM STDIN", new StringReader(b.toString()));
            b.setLength(0);
        }
    }

    @Override
    public void close() throws Exception {
        db.close();
    }
}
