package dev.nervesys.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.FleetQueries;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The fleet API (bean {@code orchestratorFleetApi}, routes/orchestrator.camel.yaml, docs/orchestrator.md
 * "Fleet API"): JSON for people and tools, opened by an admin token ({@link ApiTokens}), never by an
 * agent's credential.
 * <ul>
 * <li>{@code GET /v1/agents}: every enrolled agent with its latest heartbeat (agent_status).</li>
 * <li>{@code GET /v1/revisions}: per revision, the agents that applied, rejected or are still to apply it.</li>
 * <li>{@code GET /v1/rollouts}, {@code POST /v1/rollouts/<commit>/promote|halt}.</li>
 * <li>{@code GET /v1/tokens} (no secrets), {@code GET /v1/audit?limit=N}.</li>
 * </ul>
 * Every answer is read from PostgreSQL (any orchestrator answers the same); errors are
 * {@code {"error": "…"}}: 401 no token, 403 wrong token, 404 unknown path or API off, 405, 409 a
 * refused transition, 400 a bad parameter, 503 database unavailable.
 */
public final class FleetApi {

    private static final Logger LOG = LoggerFactory.getLogger(FleetApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int AUDIT_DEFAULT = 100;
    private static final int AUDIT_MAX = 1000;

    private final ApiTokens tokens;
    private final OrchestratorStore store;
    private final Rollouts rollouts;
    private final ConfigMirror mirror;
    private final Clock clock;

    /** @param apiTokens the value of {@value ApiTokens#ENV} (null: the API is off) */
    public FleetApi(String apiTokens, OrchestratorStore store, Rollouts rollouts, ConfigMirror mirror, Clock clock) {
        this.tokens = new ApiTokens(apiTokens);
        this.store = store;
        this.rollouts = rollouts;
        this.mirror = mirror;
        this.clock = clock;
    }

    /** A handler of one endpoint, given the authenticated token's id. */
    @FunctionalInterface
    private interface Handler {
        Object handle(String tokenId) throws Refused, SQLException;
    }

    public void agents(Exchange ex) {
        answer(ex, "GET", t -> agents());
    }

    public void revisions(Exchange ex) {
        answer(ex, "GET", t -> revisions());
    }

    public void tokens(Exchange ex) {
        answer(ex, "GET", t -> store.tokens());
    }

    public void audit(Exchange ex) {
        String limit = query(ex.getIn(), "limit");
        answer(ex, "GET", t -> store.audit(limit(limit)));
    }

    /** {@code GET /v1/rollouts} and {@code POST /v1/rollouts/<commit>/promote|halt}. */
    public void rollouts(Exchange ex) {
        String path = URI.create(String.valueOf(ex.getIn().getHeader(Exchange.HTTP_URI))).getPath();
        String[] parts = path.replaceFirst("^/v1/rollouts/?", "").split("/");
        if (parts.length == 1 && parts[0].isEmpty()) {
            answer(ex, "GET", t -> rollouts.list());
        } else if (parts.length == 2 && (parts[1].equals("promote") || parts[1].equals("halt"))) {
            String state = parts[1].equals("promote") ? "promoted" : "halted";
            answer(ex, "POST", t -> transition(parts[0], state, t));
        } else {
            answer(ex, null, t -> {
                throw new Refused(404, "no such path: GET /v1/rollouts, POST /v1/rollouts/<commit>/promote or /halt");
            });
        }
    }

    private Object transition(String commit, String state, String tokenId) throws Refused, SQLException {
        try {
            rollouts.set(commit, state, "API token " + tokenId);
        } catch (IllegalArgumentException e) {
            throw new Refused(409, e.getMessage());
        }
        LOG.info("Rollout of {} {} through the fleet API (token {})", commit, state, tokenId);
        return rollouts.list().get(0);
    }

    private void answer(Exchange ex, String method, Handler handler) {
        Message in = ex.getIn();
        ApiTokens.Check check = tokens.check(in.getHeader("Authorization"));
        try {
            if (check.refused() != null) {
                if (check.refused().status() == 403) {
                    LOG.warn("Fleet API request from {} refused: wrong token", OrchestratorApi.remote(in));
                }
                throw check.refused();
            }
            if (method != null && !method.equalsIgnoreCase(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
                throw new Refused(405, "use " + method + " here");
            }
            Message out = ex.getMessage();
            Object body = handler.handle(check.tokenId());
            out.removeHeaders("*");
            out.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
            out.setHeader(Exchange.CONTENT_TYPE, "application/json");
            out.setHeader("Cache-Control", "no-store");
            out.setBody(JSON.writeValueAsString(body));
        } catch (Refused r) {
            OrchestratorApi.error(ex, r.status(), r.getMessage());
            if (r.status() == 401) {
                ex.getMessage().setHeader("WWW-Authenticate", "Bearer realm=\"nervesys orchestrator\"");
            }
        } catch (SQLException e) {
            LOG.warn("Fleet API: database unavailable: {}", e.getMessage());
            OrchestratorApi.error(ex, 503, "orchestrator database unavailable, try again later");
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.error("Fleet API: internal error", e);
            OrchestratorApi.error(ex, 500, "internal error of the orchestrator (its log has the details)");
        }
    }

    private static String query(Message in, String name) {
        String q = in.getHeader(Exchange.HTTP_QUERY, String.class);
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            if (kv.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(kv.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static int limit(String text) throws Refused {
        if (text == null) {
            return AUDIT_DEFAULT;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1 && n <= AUDIT_MAX) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Refused(400, "limit must be a whole number from 1 to " + AUDIT_MAX + ", not '" + text + "'");
    }

    /**
     * Every enrolled agent (revoked ones too) with its latest beat: status, when, applied and rejected
     * revision, buffer, open alerts; {@code silent} when it has not beaten for three of its intervals
     * (by the orchestrator's clock), {@code target} the commit it is to run.
     */
    List<Map<String, Object>> agents() throws SQLException {
        Function<String, String> targets = targets();
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = store.connection()) {
            boolean beats = hasTable(c, "agent_status");
            String sql = beats ? """
                    SELECT a.agent_id, a.group_name, a.host, a.token_id, a.enrolled_at, a.seen_at, a.revoked_at,
                           l.ts AS last_beat, l.status, l.status_reason, l.config_revision, l.config_rejected_revision,
                           l.config_rejected_error, l.buffer_rows, l.buffer_dropped, l.archive_lag_seconds,
                           l.metrics->>'buffer_percent' AS buffer_percent, l.alerts::text AS alerts, l.agent_version,
                           l.ts < CAST(? AS timestamptz) - make_interval(secs => 3 * COALESCE(NULLIF(l.interval_seconds, 0), 60)) AS silent
                    FROM orchestrator_agents a
                    LEFT JOIN LATERAL (%s) l ON true
                    ORDER BY a.agent_id
                    """.formatted(FleetQueries.latestBeatOf("a")) : "SELECT agent_id, group_name, host, token_id, enrolled_at, seen_at, revoked_at FROM orchestrator_agents "
                    + "ORDER BY agent_id";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (beats) {
                    ps.setTimestamp(1, Timestamp.from(clock.instant()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    for (Map<String, Object> row : OrchestratorStore.rows(rs)) {
                        out.add(agent(row, targets));
                    }
                }
            }
        }
        return out;
    }

    private Map<String, Object> agent(Map<String, Object> row, Function<String, String> targets) {
        Map<String, Object> a = new LinkedHashMap<>();
        String id = (String) row.get("agent_id");
        boolean revoked = row.get("revoked_at") != null;
        a.put("agentId", id);
        a.put("group", row.get("group_name"));
        a.put("host", row.get("host"));
        a.put("tokenId", row.get("token_id"));
        a.put("enrolledAt", row.get("enrolled_at"));
        a.put("seenAt", row.get("seen_at"));
        a.put("revoked", revoked);
        a.put("revokedAt", row.get("revoked_at"));
        a.put("status", row.get("status") == null ? "unknown" : row.get("status"));
        a.put("statusReason", row.get("status_reason"));
        a.put("lastBeat", row.get("last_beat"));
        a.put("silent", row.get("last_beat") == null || Boolean.TRUE.equals(row.get("silent")));
        a.put("appliedRevision", row.get("config_revision"));
        a.put("rejectedRevision", row.get("config_rejected_revision"));
        a.put("rejectedError", row.get("config_rejected_error"));
        a.put("targetRevision", revoked ? null : targets.apply(id));
        Map<String, Object> buffer = new LinkedHashMap<>();
        buffer.put("rows", row.get("buffer_rows"));
        buffer.put("dropped", row.get("buffer_dropped"));
        buffer.put("percent", row.get("buffer_percent") == null ? null : Double.valueOf((String) row.get("buffer_percent")));
        buffer.put("archiveLagSeconds", row.get("archive_lag_seconds"));
        a.put("buffer", buffer);
        JsonNode alerts = parse((String) row.get("alerts"));
        a.put("openAlerts", alerts.size());
        a.put("alerts", alerts);
        a.put("agentVersion", row.get("agent_version"));
        return a;
    }

    /**
     * Per revision (those of the rollouts, newest first, then any other an agent reports): the
     * non-revoked agents whose latest beat applied it, rejected it, and those served it that have
     * done neither yet (pending).
     */
    List<Map<String, Object>> revisions() throws SQLException {
        List<Map<String, Object>> agents = agents().stream().filter(a -> !Boolean.TRUE.equals(a.get("revoked"))).toList();
        Map<String, Map<String, Object>> byRevision = new LinkedHashMap<>();
        for (Map<String, Object> r : rollouts.list()) {
            Map<String, Object> rev = revision(byRevision, (String) r.get("commit_id"));
            rev.put("rollout", r.get("state"));
            rev.put("startedAt", r.get("started_at"));
        }
        for (Map<String, Object> a : agents) {
            String id = (String) a.get("agentId");
            String applied = (String) a.get("appliedRevision");
            String rejected = (String) a.get("rejectedRevision");
            String target = (String) a.get("targetRevision");
            if (applied != null) {
                list(revision(byRevision, applied), "applied").add(id);
            }
            if (rejected != null) {
                list(revision(byRevision, rejected), "rejected").add(id);
            }
            if (target != null && !target.equals(applied) && !target.equals(rejected)) {
                list(revision(byRevision, target), "pending").add(id);
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> rev : byRevision.values()) {
            for (String k : List.of("applied", "rejected", "pending")) {
                rev.put(k + "Count", list(rev, k).size());
            }
            out.add(rev);
        }
        return out;
    }

    private static Map<String, Object> revision(Map<String, Map<String, Object>> byRevision, String commit) {
        return byRevision.computeIfAbsent(commit, k -> {
            Map<String, Object> rev = new LinkedHashMap<>();
            rev.put("revision", k);
            rev.put("rollout", null);
            rev.put("startedAt", null);
            rev.put("applied", new ArrayList<String>());
            rev.put("rejected", new ArrayList<String>());
            rev.put("pending", new ArrayList<String>());
            return rev;
        });
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> rev, String key) {
        return (List<String>) rev.get(key);
    }

    /** The commit each agent is served: the rollout's choice, else the mirror's head (null when it mirrors nothing). */
    private Function<String, String> targets() throws SQLException {
        Function<String, String> byRollout = rollouts.targets();
        String head;
        try {
            head = mirror == null || !mirror.enabled() ? null : mirror.commit();
        } catch (Exception e) {
            head = null;
        }
        String mirrored = head;
        return agent -> {
            String t = byRollout.apply(agent);
            return t == null ? mirrored : t;
        };
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return JSON.createArrayNode();
        }
        try {
            JsonNode n = JSON.readTree(json);
            return n.isArray() ? n : JSON.createArrayNode();
        } catch (Exception e) {
            return JSON.createArrayNode();
        }
    }

    private static boolean hasTable(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
