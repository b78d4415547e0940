package dev.nervesys.webconsole;

import dev.nervesys.common.FleetQueries;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What the console reads and writes in the fleet's PostgreSQL (docs/console.md): agent_status
 * and alert_history, written by the heartbeat and the alerts of every agent (read only here), and
 * the console's own tables, console_audit, console_alert_ack and console_users, created at first use. "Now" is
 * always a parameter (the agent's clock), never the database's now().
 */
public final class ConsoleDatabase {

    static final String HISTORY = """
            SELECT floor(EXTRACT(EPOCH FROM l.ts) / ?) * ? AS bucket,
                   avg(%s) AS cpu_percent, avg(%s) AS ram_percent, avg(%s) AS disk_percent,
                   avg(%s) AS buffer_percent, max(l.buffer_rows) AS buffer_rows, count(*) AS beats
            FROM agent_status l
            WHERE l.agent_id = ? AND l.ts >= ? AND l.ts < ?
            GROUP BY bucket ORDER BY bucket
            """.formatted(FleetQueries.metric("cpu_percent"), FleetQueries.metric("ram_percent"),
            FleetQueries.metric("disk_percent"), FleetQueries.metric("buffer_percent"));

    static final String ALERTS = """
            SELECT h.alert_id, h.agent_id, h.server, h.rule, h.label, h.level, h.message, h.first_seen, h.last_seen,
                   h.count, h.folded, h.count + h.folded AS lines, h.status, h.channels, h.closed_at, a.acked_by, a.acked_at
            FROM alert_history h LEFT JOIN console_alert_ack a ON a.alert_id = h.alert_id
            WHERE (CAST(? AS text) IS NULL OR h.agent_id = ?)
              AND (CAST(? AS text) IS NULL OR lower(h.level) = lower(?))
              AND (? = 'all' OR (? = 'open' AND h.closed_at IS NULL) OR (? = 'closed' AND h.closed_at IS NOT NULL)
                   OR (? = 'unacknowledged' AND a.alert_id IS NULL))
              AND h.last_seen >= ?
            ORDER BY h.last_seen DESC
            LIMIT ?
            """;

    private static final String[] SCHEMA = {
        """
        CREATE TABLE IF NOT EXISTS console_audit (
            id BIGSERIAL PRIMARY KEY,
            ts TIMESTAMPTZ NOT NULL,
            username TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            outcome TEXT NOT NULL,
            detail TEXT,
            remote TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS console_audit_ts ON console_audit (ts DESC)",
        """
        CREATE TABLE IF NOT EXISTS console_users (
            username TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
            password_hash TEXT NOT NULL,
            totp_secret TEXT,
            created_at TIMESTAMPTZ NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            updated_by TEXT NOT NULL
        )""",
        """
        CREATE TABLE IF NOT EXISTS console_alert_ack (
            alert_id TEXT PRIMARY KEY,
            acked_by TEXT NOT NULL,
            acked_at TIMESTAMPTZ NOT NULL
        )""",
    };

    private final DataSource ds;
    private volatile boolean schemaReady;

    public ConsoleDatabase(DataSource ds) {
        this.ds = ds;
    }

    /** One audit entry. */
    public record AuditEntry(Instant ts, String user, String action, String target, String outcome, String detail, String remote) {
    }

    Connection connect() throws SQLException {
        Connection c = ds.getConnection();
        if (!schemaReady) {
            synchronized (this) {
                if (!schemaReady) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_advisory_lock(7302174612)"); // agents of a fleet starting at once
                        try {
                            for (String sql : SCHEMA) {
                                s.execute(sql);
                            }
                        } finally {
                            s.execute("SELECT pg_advisory_unlock(7302174612)");
                        }
                    } catch (SQLException e) {
                        c.close();
                        throw e;
                    }
                    schemaReady = true;
                }
            }
        }
        return c;
    }

    /** The latest beat of every agent (or of one, {@code agent} not null), with its age, stale and on-newest flags. */
    public List<Map<String, Object>> fleet(Instant now, String agent) throws SQLException {
        try (Connection c = connect()) {
            return FleetQueries.fleet(c, now, agent);
        }
    }

    /** The revision of the fleet's most recent beat (null when none has one). */
    public String newestRevision() throws SQLException {
        try (Connection c = connect()) {
            return FleetQueries.newestRevision(c);
        }
    }

    /** Alerts first seen since {@code since}. */
    public long alertsSince(Instant since) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT count(*) FROM alert_history WHERE first_seen >= ?")) {
            p.setTimestamp(1, Timestamp.from(since));
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** An agent's beats in {@code [from, to)}, averaged over buckets of {@code bucketSeconds}. */
    public List<Map<String, Object>> history(String agent, Instant from, Instant to, long bucketSeconds) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(HISTORY)) {
            p.setLong(1, bucketSeconds);
            p.setLong(2, bucketSeconds);
            p.setString(3, agent);
            p.setTimestamp(4, Timestamp.from(from));
            p.setTimestamp(5, Timestamp.from(to));
            return rows(p);
        }
    }

    /** Alerts last seen since {@code since}, newest first; {@code state}: all, open, closed or unacknowledged. */
    public List<Map<String, Object>> alerts(String agent, String level, String state, Instant since, int limit) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(ALERTS)) {
            p.setString(1, agent);
            p.setString(2, agent);
            p.setString(3, level);
            p.setString(4, level);
            for (int i = 5; i <= 8; i++) {
                p.setString(i, state);
            }
            p.setTimestamp(9, Timestamp.from(since));
            p.setInt(10, limit);
            return rows(p);
        }
    }

    /** Outcome of an acknowledgement. */
    public enum Ack { DONE, ALREADY, UNKNOWN }

    /** Acknowledges an alert and writes the audit entry in the same transaction. */
    public Ack acknowledge(String alertId, String user, Instant now, AuditEntry audit) throws SQLException {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM alert_history WHERE alert_id = ?")) {
                    p.setString(1, alertId);
                    try (ResultSet rs = p.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            return Ack.UNKNOWN;
                        }
                    }
                }
                int n;
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO console_alert_ack (alert_id, acked_by, acked_at) VALUES (?, ?, ?) ON CONFLICT (alert_id) DO NOTHING")) {
                    p.setString(1, alertId);
                    p.setString(2, user);
                    p.setTimestamp(3, Timestamp.from(now));
                    n = p.executeUpdate();
                }
                insertAudit(c, n == 1 ? audit : new AuditEntry(audit.ts(), audit.user(), audit.action(), audit.target(),
                        "already acknowledged", audit.detail(), audit.remote()));
                c.commit();
                return n == 1 ? Ack.DONE : Ack.ALREADY;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public void audit(AuditEntry e) throws SQLException {
        try (Connection c = connect()) {
            insertAudit(c, e);
        }
    }

    static void insertAudit(Connection c, AuditEntry e) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO console_audit (ts, username, action, target, outcome, detail, remote) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setTimestamp(1, Timestamp.from(e.ts()));
            p.setString(2, e.user());
            p.setString(3, e.action());
            p.setString(4, e.target());
            p.setString(5, e.outcome());
            p.setString(6, e.detail());
            p.setString(7, e.remote());
            p.executeUpdate();
        }
    }

    /** The audit log, newest first. */
    public List<Map<String, Object>> auditLog(int limit, String user, String action) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT id, ts, username, action, target, outcome, detail, remote FROM console_audit"
                        + " WHERE (CAST(? AS text) IS NULL OR username = ?) AND (CAST(? AS text) IS NULL OR action = ?)"
                        + " ORDER BY id DESC LIMIT ?")) {
            p.setString(1, user);
            p.setString(2, user);
            p.setString(3, action);
            p.setString(4, action);
            p.setInt(5, limit);
            return rows(p);
        }
    }

    static List<Map<String, Object>> rows(PreparedStatement p) throws SQLException {
        return FleetQueries.rows(p);
    }
}
