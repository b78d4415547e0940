package dev.nervesys.orchestrator;

import dev.nervesys.spi.StatusReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Staged rollouts (bean {@code orchestratorRollouts}, docs/orchestrator.md): a new upstream commit is
 * served first to the canaries only ({@link #commitFor}), the rest of the fleet being served the last
 * promoted commit. Route orchestrator-rollout-check ({@link #check}) reads the canaries' latest
 * heartbeats in agent_status: a canary that rejected the commit (it failed validation or did not
 * start) or runs it critical halts the rollout, and everyone is served the previous commit again;
 * once every canary has run it healthy for {@code nervesys.rollout.soak}, it is promoted to
 * everyone. Operators promote or halt with {@code nervesys rollout promote|halt SHA}.
 *
 * <p>All state is in orchestrator_rollouts; transitions are conditional updates, and starting a
 * rollout takes a transaction-scoped advisory lock, so several orchestrators can run this side by
 * side.
 */
public final class Rollouts implements StatusReporter {

    private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
    /** Advisory lock key of rollout starts ("nvro"). */
    private static final long LOCK = 0x6e76726fL;

    /** The newest rollout: its commit, state and what the others keep meanwhile. */
    public record Rollout(String commit, String previous, String state, Instant started, Instant soakedSince) {
    }

    private final OrchestratorStore store;
    private final Canary canary;
    private final Duration soak;
    private final Clock clock;

    public Rollouts(OrchestratorStore store, Canary canary, Duration soak, Clock clock) {
        this.store = store;
        this.canary = canary;
        this.soak = soak;
        this.clock = clock;
    }

    /** Records the newest upstream commit (the mirror's poll): it starts a rollout, or is promoted at once when rollouts are off or nothing ran before. */
    public void observed(String commit) throws SQLException {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, LOCK);
                    lock.execute();
                }
                Rollout latest = latest(c);
                if (latest != null && latest.commit().equals(commit)) {
                    c.commit();
                    return;
                }
                String released = released(c);
                Instant now = clock.instant();
                boolean staged = canary.enabled() && released != null;
                try (PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_rollouts SET state = 'superseded', ended_at = ?, "
                        + "reason = ? WHERE state = 'canary'")) {
                    ps.setTimestamp(1, Timestamp.from(now));
                    ps.setString(2, "superseded by " + commit);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO orchestrator_rollouts (commit_id, previous_id, state, canary, "
                        + "started_at, ended_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (commit_id) DO NOTHING")) {
                    ps.setString(1, commit);
                    ps.setString(2, released);
                    ps.setString(3, staged ? "canary" : "promoted");
                    ps.setString(4, canary.spec());
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setTimestamp(6, staged ? null : Timestamp.from(now));
                    ps.setString(7, staged ? null : released == null ? "first revision" : "staged rollouts off (canary none)");
                    ps.executeUpdate();
                }
                c.commit();
                store.feed().bump();
                LOG.info("Rollout of {}: {}", commit, staged ? "canaries first (" + canary.spec() + ")" : "everyone at once");
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** The commit to serve this agent as the branch head, or null: the mirror's own. */
    public String commitFor(String agentId) throws SQLException {
        return targets().apply(agentId);
    }

    /**
     * What {@link #commitFor} answers for every agent, from one read of the newest rollout (the fleet
     * API asks it for the whole fleet at once).
     */
    public java.util.function.Function<String, String> targets() throws SQLException {
        Rollout r = newest();
        return agentId -> target(r, agentId);
    }

    /** The newest rollout read at a generation of the change feed (null: none). */
    private record Snapshot(Rollout rollout, long generation) {
    }

    private volatile Snapshot snapshot;
    private final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The newest rollout: from memory while the change feed is live and nothing changed since it was
     * read (any rollout change, by any orchestrator or command, notifies; this orchestrator's own
     * changes forget it at once), else one read of the database.
     */
    private Rollout newest() throws SQLException {
        ChangeFeed feed = store.feed();
        Snapshot s = snapshot;
        if (s != null && feed.live() && s.generation() == feed.generation()) {
            return s.rollout();
        }
        long generation = feed.generation();
        boolean live = feed.live();
        reads.incrementAndGet();
        Rollout r;
        try (Connection c = store.connection()) {
            r = latest(c);
        }
        if (live) {
            snapshot = new Snapshot(r, generation);
        }
        return r;
    }

    /** Reads of the newest rollout from the database (tests: none per request while nothing changes). */
    public long stateReads() {
        return reads.get();
    }

    private String target(Rollout r, String agentId) {
        if (r == null) {
            return null;
        }
        return switch (r.state()) {
            case "canary" -> canary.isCanary(agentId) || r.previous() == null ? r.commit() : r.previous();
            case "halted" -> r.previous() == null ? r.commit() : r.previous();
            default -> r.commit();
        };
    }

    /**
     * One evaluation of the running rollout (route orchestrator-rollout-check).
     *
     * @return the halt this call made, as the alert's message (the route raises it through the alerts
     *         capability), or an empty list: a halt is reported once, by the orchestrator whose update
     *         made it, however many orchestrators check the same rollout
     */
    public List<String> check() throws SQLException {
        Rollout r;
        try (Connection c = store.connection()) {
            r = latest(c);
        }
        if (r == null || !r.state().equals("canary")) {
            return List.of();
        }
        List<String> canaries = store.activeAgents().stream().filter(canary::isCanary).toList();
        if (canaries.isEmpty()) {
            end(r.commit(), "promoted", "no canary agent is enrolled");
            return List.of();
        }
        Map<String, Map<String, Object>> beats = latestBeats(canaries);
        boolean allRunIt = true;
        for (String agent : canaries) {
            Map<String, Object> b = beats.get(agent);
            if (b != null && r.commit().equals(b.get("config_rejected_revision"))) {
                return halted(r, "canary " + agent + " rejected it: " + b.get("config_rejected_error"));
            }
            boolean runsIt = b != null && r.commit().equals(b.get("config_revision"));
            if (runsIt && "critical".equals(b.get("status"))) {
                return halted(r, "canary " + agent + " is critical running it: " + b.get("status_reason"));
            }
            allRunIt &= runsIt;
        }
        Instant now = clock.instant();
        if (!allRunIt) {
            setSoaked(r.commit(), null);
        } else if (r.soakedSince() == null) {
            setSoaked(r.commit(), now);
        } else if (!now.isBefore(r.soakedSince().plus(soak))) {
            end(r.commit(), "promoted", "every canary (" + canaries.size() + ") ran it healthy for " + soak);
        }
        return List.of();
    }

    private List<String> halted(Rollout r, String reason) throws SQLException {
        if (!end(r.commit(), "halted", reason)) {
            return List.of();
        }
        return List.of("Rollout of " + r.commit() + " halted: " + reason + "; the fleet stays on "
                + (r.previous() == null ? "its previous revision" : r.previous()));
    }

    /**
     * Operator's promote or halt of the newest rollout, named by its commit or a prefix of it.
     *
     * @throws IllegalArgumentException when the commit is not the newest rollout or already in that state
     */
    public void set(String commitPrefix, String state) throws SQLException {
        set(commitPrefix, state, "command");
    }

    /** {@link #set(String, String)} recording who asked ({@code by}: "command", "API token 1a2b…") in the reason and audit. */
    public void set(String commitPrefix, String state, String by) throws SQLException {
        Rollout r;
        try (Connection c = store.connection()) {
            r = latest(c);
        }
        if (r == null || commitPrefix.length() < 4 || !r.commit().startsWith(commitPrefix)) {
            throw new IllegalArgumentException("no rollout of " + commitPrefix + " is running; the newest is "
                    + (r == null ? "none" : r.commit() + " (" + r.state() + ")"));
        }
        if (r.state().equals(state)) {
            throw new IllegalArgumentException("rollout of " + r.commit() + " is already " + state);
        }
        end(r.commit(), state, state + " by " + by);
    }

    public List<Map<String, Object>> list() throws SQLException {
        return store.query("SELECT commit_id, state, previous_id, canary, started_at, soaked_since, ended_at, reason "
                + "FROM orchestrator_rollouts ORDER BY seq DESC LIMIT 50");
    }

    /** @return true when this call made the transition (another orchestrator may have made it first) */
    private boolean end(String commit, String state, String reason) throws SQLException {
        try (Connection c = store.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_rollouts SET state = ?, ended_at = ?, reason = ? "
                     + "WHERE commit_id = ? AND state <> ?")) {
            ps.setString(1, state);
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setString(3, reason);
            ps.setString(4, commit);
            ps.setString(5, state);
            if (ps.executeUpdate() == 1) {
                store.feed().bump();
                store.audit(c, "rollout-" + state, null, null, null, null, commit + ": " + reason);
                if (state.equals("halted")) {
                    LOG.warn("Rollout of {} halted: {}; the fleet stays on the previous revision", commit, reason);
                } else {
                    LOG.info("Rollout of {} {}: {}", commit, state, reason);
                }
                return true;
            }
            return false;
        }
    }

    private void setSoaked(String commit, Instant since) throws SQLException {
        try (Connection c = store.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE orchestrator_rollouts SET soaked_since = ? WHERE commit_id = ? "
                     + "AND state = 'canary' AND soaked_since IS DISTINCT FROM ?")) {
            ps.setTimestamp(1, since == null ? null : Timestamp.from(since));
            ps.setString(2, commit);
            ps.setTimestamp(3, since == null ? null : Timestamp.from(since));
            if (ps.executeUpdate() > 0) {
                store.feed().bump();
            }
        }
    }

    private static Rollout latest(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT commit_id, previous_id, state, started_at, soaked_since "
                + "FROM orchestrator_rollouts ORDER BY seq DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Timestamp soaked = rs.getTimestamp(5);
            return new Rollout(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                    soaked == null ? null : soaked.toInstant());
        }
    }

    private static String released(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT commit_id FROM orchestrator_rollouts WHERE state = 'promoted' "
                + "ORDER BY ended_at DESC, seq DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The latest heartbeat of each agent (agent_status of the same database; none when no agent ever beat there). */
    private Map<String, Map<String, Object>> latestBeats(List<String> agents) throws SQLException {
        Map<String, Map<String, Object>> out = new HashMap<>();
        try (Connection c = store.connection()) {
            try (PreparedStatement check = c.prepareStatement("SELECT to_regclass('agent_status') IS NOT NULL");
                 ResultSet rs = check.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return out;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT ON (agent_id) agent_id, ts, status, status_reason, "
                    + "config_revision, config_rejected_revision, config_rejected_error FROM agent_status WHERE agent_id = ANY(?) "
                    + "ORDER BY agent_id, ts DESC")) {
                ps.setArray(1, c.createArrayOf("text", agents.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    for (Map<String, Object> row : OrchestratorStore.rows(rs)) {
                        out.put((String) row.get("agent_id"), row);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public String statusName() {
        return "rollout";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("canary", canary.spec());
        out.put("soak", soak.toString());
        try (Connection c = store.connection()) {
            Rollout r = latest(c);
            if (r != null) {
                out.put("commit", r.commit());
                out.put("state", r.state());
                out.put("previous", String.valueOf(r.previous()));
            }
        } catch (SQLException | RuntimeException e) {
            out.put("error", "database unavailable: " + e.getMessage());
        }
        return out;
    }
}
