package dev.nervesys.orchestrator;

import dev.nervesys.common.SchemaMigrations;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The orchestrator's state in PostgreSQL: enrollment tokens, enrolled agents and the audit log
 * (schema: db/orchestrator/V*.sql, applied by Flyway on first use). Every decision is one
 * transaction on the database, so any number of orchestrators can share the database behind a load
 * balancer. An orchestrator ({@link #listen}) keeps the credentials it checked in memory, forgotten
 * at the notification of any change of the agent (revoke, re-enrollment) by whoever made it
 * ({@link ChangeFeed}); without the feed (commands, or while it is down) every check reads the
 * database. "Now" comes from the injected clock.
 */
public final class OrchestratorStore implements AutoCloseable {

    /** The agent a credential belongs to. */
    public record AgentRecord(String agentId, String group) {
    }

    /** A new token: the secret (shown once), its public id and when it expires. */
    public record CreatedToken(String token, String tokenId, Instant expiresAt) {
    }

    /** A new enrollment: the agent's id and group, and its credential (handed to the agent once). */
    public record Enrolled(String agentId, String group, String tokenId, String credential) {
    }

    /** Picks the agent id for a group (the group's pattern), or refuses (no such group). */
    @FunctionalInterface
    public interface Namer {
        String agentId(String group) throws Refused;
    }

    private final DataSource dataSource;
    private final Clock clock;
    private volatile boolean migrated;
    private final ChangeFeed feed;
    private volatile boolean listening;
    /** Credential hash -> its agent, not revoked when read; used only while the feed is live. */
    private final java.util.concurrent.ConcurrentHashMap<String, AgentRecord> credentials = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong credentialReads = new java.util.concurrent.atomic.AtomicLong();
    /** Bound of the credential cache: emptied when it reaches this many agents. */
    static final int MAX_CACHED_CREDENTIALS = 100_000;

    public OrchestratorStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.feed = new ChangeFeed(dataSource);
        feed.onAgent(agentId -> credentials.values().removeIf(a -> a.agentId().equals(agentId)));
        feed.onReset(credentials::clear);
    }

    /**
     * Keeps checked credentials and the newest rollout in memory from now on (an orchestrator; the
     * commands do not), kept right by the database's change notifications (ChangeFeed), which start listening
     * once the schema is migrated (V4 has the triggers).
     */
    public void listen() {
        listening = true;
        if (migrated) {
            feed.start();
        }
    }

    ChangeFeed feed() {
        return feed;
    }

    /** Credential lookups that read the database (console, tests: none per request once an agent is cached). */
    public long credentialReads() {
        return credentialReads.get();
    }

    /** Stops listening (the orchestrator stops). */
    @Override
    public void close() {
        feed.close();
    }

    /** Brings the schema to the newest version (Flyway; idempotent, safe with several orchestrators: Flyway locks). */
    public synchronized void migrate() {
        if (migrated) {
            return;
        }
        // the database usually holds agent_status and alert_history already: SchemaMigrations starts
        // the history before V1 there, and orchestrators starting together wait for each other
        try {
            SchemaMigrations.apply(dataSource, "db/orchestrator", "orchestrator_schema_history", null);
        } catch (SQLException e) {
            throw new IllegalStateException("orchestrator " + e.getMessage(), e);
        }
        migrated = true;
        if (listening) {
            feed.start();
        }
    }

    /** A connection to the migrated database (for the orchestrator's other tables: rollouts). */
    Connection connection() throws SQLException {
        migrate();
        return dataSource.getConnection();
    }

    public CreatedToken createToken(String group, int uses, Duration ttl) throws SQLException {
        if (!Groups.validName(group)) {
            throw new IllegalArgumentException("group '" + group + "' is not a valid name (letters, digits, '-', '_')");
        }
        if (uses < 1) {
            throw new IllegalArgumentException("uses must be at least 1, not " + uses);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        String token = Secrets.newToken();
        String hash = Secrets.hash(token);
        String id = Secrets.tokenId(hash);
        Instant now = clock.instant();
        Instant expires = now.plus(ttl);
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO orchestrator_tokens (token_id, token_hash, group_name, "
                     + "max_uses, uses, created_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, hash);
            ps.setString(3, group);
            ps.setInt(4, uses);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setTimestamp(6, Timestamp.from(expires));
            ps.executeUpdate();
            audit(c, "token-create", id, null, null, null, "token for group " + group + ", " + uses + " use(s), expires " + expires);
        }
        return new CreatedToken(token, id, expires);
    }

    /** @return false when there is no such token */
    public boolean revokeToken(String tokenId) throws SQLException {
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE token_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setString(2, tokenId);
            boolean found = ps.executeUpdate() == 1;
            if (found) {
                audit(c, "token-revoke", tokenId, null, null, null, "token revoked");
            }
            return found;
        }
    }

    /**
     * Enrolls an agent with a token: checks the token (known, not revoked, not expired, not used
     * up), names the agent, counts the use and stores the agent with a new credential, in one
     * transaction (the token row is locked, so two orchestrators cannot both take its last use).
     * Every outcome is audited.
     */
    public Enrolled enroll(String token, String host, String remote, Namer namer) throws Refused, SQLException {
        String hash = Secrets.hash(token == null ? "" : token);
        String tokenId = Secrets.tokenId(hash);
        Instant now = clock.instant();
        try (Connection c = connection()) {
            Refused refused;
            c.setAutoCommit(false);
            try {
                Enrolled e = enrollIn(c, hash, tokenId, host, remote, now, namer);
                c.commit();
                return e;
            } catch (Refused r) {
                c.rollback();
                refused = r;
            } catch (SQLException | RuntimeException ex) {
                c.rollback();
                throw ex;
            } finally {
                c.setAutoCommit(true);
            }
            audit(c, "enroll-refused", tokenId, null, remote, refused.status(), refused.getMessage());
            throw refused;
        }
    }

    private Enrolled enrollIn(Connection c, String hash, String tokenId, String host, String remote, Instant now, Namer namer)
            throws Refused, SQLException {
        String group;
        try (PreparedStatement ps = c.prepareStatement("SELECT group_name, max_uses, uses, expires_at, revoked_at "
                + "FROM orchestrator_tokens WHERE token_hash = ? FOR UPDATE")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Refused(401, "unknown enrollment token: ask for a new one (nervesys token create)");
                }
                group = rs.getString(1);
                int max = rs.getInt(2);
                int uses = rs.getInt(3);
                Instant expires = rs.getTimestamp(4).toInstant();
                Timestamp revoked = rs.getTimestamp(5);
                if (revoked != null) {
                    throw new Refused(403, "enrollment token " + tokenId + " was revoked at " + revoked.toInstant());
                }
                if (!now.isBefore(expires)) {
                    throw new Refused(410, "enrollment token " + tokenId + " expired at " + expires);
                }
                if (uses >= max) {
                    throw new Refused(410, "enrollment token " + tokenId + " is used up (" + uses + " of " + max + " uses)");
                }
            }
        }
        String agentId = namer.agentId(group);
        String credential = Secrets.newCredential();
        try (PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_tokens SET uses = uses + 1 WHERE token_hash = ?")) {
            ps.setString(1, hash);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orchestrator_agents (agent_id, group_name, credential_hash, "
                + "token_id, host, enrolled_at, seen_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL) "
                + "ON CONFLICT (agent_id) DO UPDATE SET group_name = EXCLUDED.group_name, credential_hash = EXCLUDED.credential_hash, "
                + "token_id = EXCLUDED.token_id, host = EXCLUDED.host, enrolled_at = EXCLUDED.enrolled_at, "
                + "seen_at = EXCLUDED.seen_at, revoked_at = NULL")) {
            ps.setString(1, agentId);
            ps.setString(2, group);
            ps.setString(3, Secrets.hash(credential));
            ps.setString(4, tokenId);
            ps.setString(5, host);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(now));
            ps.executeUpdate();
        }
        audit(c, "enroll", tokenId, agentId, remote, 200, "agent " + agentId + " enrolled in group " + group
                + (host == null ? "" : " from host " + host));
        return new Enrolled(agentId, group, tokenId, credential);
    }

    /**
     * The agent of a credential, sent as HTTP basic auth (user = agent id).
     *
     * @throws Refused 401 for an unknown credential, 403 for a revoked agent
     */
    public AgentRecord authenticate(String agentId, String credential) throws Refused, SQLException {
        if (agentId == null || credential == null || credential.isBlank()) {
            throw new Refused(401, "agent credential required (HTTP basic auth: agent id and credential)");
        }
        String hash = Secrets.hash(credential);
        if (feed.live()) {
            AgentRecord cached = credentials.get(hash);
            if (cached != null) {
                if (!cached.agentId().equals(agentId)) {
                    throw new Refused(401, "unknown agent credential for " + agentId + ": enroll again with a new token");
                }
                return cached;
            }
        }
        long generation = feed.generation();
        boolean live = feed.live();
        credentialReads.incrementAndGet();
        AgentRecord found;
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("SELECT agent_id, group_name, revoked_at FROM orchestrator_agents "
                     + "WHERE credential_hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getString(1).equals(agentId)) {
                    throw new Refused(401, "unknown agent credential for " + agentId + ": enroll again with a new token");
                }
                Timestamp revoked = rs.getTimestamp(3);
                if (revoked != null) {
                    throw new Refused(403, "agent " + agentId + " was revoked at " + revoked.toInstant()
                            + ": enroll it again with a new token");
                }
                found = new AgentRecord(agentId, rs.getString(2));
            }
        }
        if (live) {
            if (credentials.size() >= MAX_CACHED_CREDENTIALS) {
                credentials.clear();
            }
            credentials.put(hash, found);
            // a change notified while the read ran (or just after the check) must not stay hidden: the
            // feed moves the generation before it forgets the agent, so either it sees this entry or this sees it move
            if (feed.generation() != generation || !feed.live()) {
                credentials.remove(hash, found);
            }
        }
        return found;
    }

    /** {@link #authenticate} for an enrollment refresh: records when the agent was seen, audits a refusal. */
    public AgentRecord refresh(String agentId, String credential, String remote) throws Refused, SQLException {
        try {
            AgentRecord a = authenticate(agentId, credential);
            try (Connection c = connection();
                 PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_agents SET seen_at = ? WHERE agent_id = ?")) {
                ps.setTimestamp(1, Timestamp.from(clock.instant()));
                ps.setString(2, agentId);
                ps.executeUpdate();
            }
            return a;
        } catch (Refused r) {
            try (Connection c = connection()) {
                audit(c, "refresh-refused", null, agentId, remote, r.status(), r.getMessage());
            }
            throw r;
        }
    }

    /**
     * Revokes an agent. Returns once PostgreSQL has sent the change to every listening orchestrator
     * (this connection listens too and waits, at most 2 s, for its own notification), and this
     * orchestrator's cache has forgotten the agent.
     *
     * @return false when no such agent is enrolled
     */
    public boolean revokeAgent(String agentId) throws SQLException {
        try (Connection c = connection()) {
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + ChangeFeed.AGENTS);
            }
            try {
                boolean changed;
                try (PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_agents SET revoked_at = ? "
                        + "WHERE agent_id = ? AND revoked_at IS NULL")) {
                    ps.setTimestamp(1, Timestamp.from(clock.instant()));
                    ps.setString(2, agentId);
                    changed = ps.executeUpdate() == 1;
                }
                feed.bump();
                credentials.values().removeIf(a -> a.agentId().equals(agentId));
                boolean found = changed;
                if (!changed) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM orchestrator_agents WHERE agent_id = ?")) {
                        ps.setString(1, agentId);
                        try (ResultSet rs = ps.executeQuery()) {
                            found = rs.next();
                        }
                    }
                }
                if (found) {
                    audit(c, "agent-revoke", null, agentId, null, null, "agent revoked");
                }
                if (changed) {
                    awaitNotification(c, agentId);
                }
                return found;
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN " + ChangeFeed.AGENTS);
                }
            }
        }
    }

    private static void awaitNotification(Connection c, String payload) throws SQLException {
        org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
        long end = System.nanoTime() + 2_000_000_000L;
        for (long left; (left = (end - System.nanoTime()) / 1_000_000L) > 0; ) {
            org.postgresql.PGNotification[] got = pg.getNotifications((int) Math.max(1, left));
            if (got != null) {
                for (org.postgresql.PGNotification n : got) {
                    if (payload.equals(n.getParameter())) {
                        return;
                    }
                }
            }
        }
    }

    public List<Map<String, Object>> agents() throws SQLException {
        return query("SELECT agent_id, group_name, host, token_id, enrolled_at, seen_at, revoked_at FROM orchestrator_agents ORDER BY agent_id");
    }

    /** Ids of the enrolled agents that are not revoked. */
    public List<String> activeAgents() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("SELECT agent_id FROM orchestrator_agents WHERE revoked_at IS NULL ORDER BY agent_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    public List<Map<String, Object>> tokens() throws SQLException {
        return query("SELECT token_id, group_name, uses, max_uses, created_at, expires_at, revoked_at FROM orchestrator_tokens ORDER BY created_at");
    }

    public List<Map<String, Object>> audit(int limit) throws SQLException {
        return query("SELECT ts, event, token_id, agent_id, remote, status, message FROM orchestrator_audit ORDER BY id DESC LIMIT " + Math.max(1, limit));
    }

    List<Map<String, Object>> query(String sql) throws SQLException {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rows(rs);
        }
    }

    /**
     * Ids of revoked agents, read on an open connection by tools that show the fleet; empty when the
     * database has no orchestrator tables (no orchestrator ever used it).
     */
    public static java.util.Set<String> revokedAgents(Connection c) throws SQLException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (PreparedStatement check = c.prepareStatement("SELECT to_regclass('orchestrator_agents') IS NOT NULL");
             ResultSet rs = check.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return out;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id FROM orchestrator_agents WHERE revoked_at IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                Object v = rs.getObject(i);
                row.put(md.getColumnLabel(i), v instanceof Timestamp t ? t.toInstant().toString() : v);
            }
            out.add(row);
        }
        return out;
    }

    void audit(Connection c, String event, String tokenId, String agentId, String remote, Integer status, String message)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orchestrator_audit (ts, event, token_id, agent_id, remote, "
                + "status, message) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setString(2, event);
            ps.setString(3, tokenId);
            ps.setString(4, agentId);
            ps.setString(5, remote);
            if (status == null) {
                ps.setNull(6, java.sql.Types.INTEGER);
            } else {
                ps.setInt(6, status);
            }
            ps.setString(7, message);
            ps.executeUpdate();
        }
    }
}
