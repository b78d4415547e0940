package dev.nervesys.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.Map;

/**
 * The orchestrator's enrollment endpoints (bean {@code orchestratorApi}, routes/orchestrator.camel.yaml):
 * <ul>
 * <li>{@code POST /v1/enroll} {@code {"token": "nvt_…", "host": "edge-7"}}: 200 with the agent's id,
 * its credential (shown this once), its group's settings and secrets and where its config comes
 * from; 400 bad request, 401 unknown token, 403 revoked token, 409 group missing or broken, 410
 * expired or used-up token, 503 a group secret missing on the orchestrator.</li>
 * <li>{@code POST /v1/refresh} with basic auth (agent id, credential): 200 with the group's
 * current settings; 401 unknown credential, 403 revoked agent.</li>
 * </ul>
 * Errors are {@code {"error": "…"}}. Tokens, credentials and secrets are never logged.
 */
public final class OrchestratorApi {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where agents fetch their config from the orchestrator (ConfigMirror), relative to its URL. */
    public static final String GIT_PATH = "/git/config";

    private final OrchestratorStore store;
    private final Groups groups;
    private final ConfigMirror mirror;

    public OrchestratorApi(OrchestratorStore store, Groups groups, ConfigMirror mirror) {
        this.store = store;
        this.groups = groups;
        this.mirror = mirror;
    }

    public void enroll(Exchange ex) throws SQLException {
        Message in = ex.getIn();
        String remote = remote(in);
        String text = in.getBody(String.class);
        JsonNode body;
        try {
            body = JSON.readTree(text == null ? "" : text);
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("token").isTextual()) {
            error(ex, 400, "expected a JSON object {\"token\": \"nvt_…\", \"host\": \"<host name>\"}");
            return;
        }
        String host = body.path("host").asText(null);
        try {
            OrchestratorStore.Enrolled e = store.enroll(Secrets.tokenSecret(body.get("token").asText()), host, remote,
                    group -> groups.agentId(group, host));
            ObjectNode out = grant(e.agentId(), e.group());
            out.put("credential", e.credential());
            LOG.info("Agent {} enrolled in group {} with token {} (from {})", e.agentId(), e.group(), e.tokenId(), remote);
            reply(ex, 200, out);
        } catch (Refused r) {
            LOG.info("Enrollment from {} refused: {}", remote, r.getMessage());
            error(ex, r.status(), r.getMessage());
        }
    }

    public void refresh(Exchange ex) throws SQLException {
        HttpAuth auth = HttpAuth.of(ex.getIn().getHeader("Authorization"));
        try {
            OrchestratorStore.AgentRecord a = store.refresh(auth == null ? null : auth.user(), auth == null ? null : auth.password(),
                    remote(ex.getIn()));
            reply(ex, 200, grant(a.agentId(), a.group()));
        } catch (Refused r) {
            error(ex, r.status(), r.getMessage());
        }
    }

    /** Exchange property: true when {@link #heartbeat} accepted the beats (the body), which the route then stores. */
    public static final String BEATS_ACCEPTED = "NervesysOrchestratorBeats";
    /** The agent_status columns a beat must carry (db/heartbeat/postgres/insert-agent-status.sql). */
    /** Columns a beat may leave out (agents of a version before them): stored as NULL. */
    private static final java.util.Set<String> OPTIONAL_BEAT_COLUMNS = java.util.Set.of("route_stats");
    /** Columns a beat must have: those of the heartbeat's own insert (the SQL the route runs), less the optional ones. */
    private static final java.util.Set<String> BEAT_COLUMNS = insertColumns("db/heartbeat/postgres/insert-agent-status.sql",
            OPTIONAL_BEAT_COLUMNS);

    /** The column list of an {@code INSERT INTO t (a, b, ...)} resource, less {@code except}. */
    static java.util.Set<String> insertColumns(String resource, java.util.Set<String> except) {
        try (java.io.InputStream in = OrchestratorApi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            String sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String list = sql.substring(sql.indexOf('(') + 1, sql.indexOf(')'));
            java.util.Set<String> out = new java.util.LinkedHashSet<>();
            for (String c : list.split(",")) {
                if (!except.contains(c.trim())) {
                    out.add(c.trim());
                }
            }
            return java.util.Set.copyOf(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    private static final int MAX_BEATS = 1000;

    /**
     * Route step of orchestrator-heartbeat: an enrolled agent posts its spooled beats (a JSON array of
     * agent_status rows) with its credential; they must all be its own. Accepted: the body becomes the
     * rows and {@value #BEATS_ACCEPTED} true, and the route inserts them into agent_status with the
     * heartbeat's own SQL. Refused: the answer is set here (401, 403 revoked or another agent's beat, 400).
     */
    public void heartbeat(Exchange ex) throws SQLException {
        ex.setProperty(BEATS_ACCEPTED, false);
        HttpAuth auth = HttpAuth.of(ex.getIn().getHeader("Authorization"));
        OrchestratorStore.AgentRecord agent;
        try {
            agent = store.authenticate(auth == null ? null : auth.user(), auth == null ? null : auth.password());
        } catch (Refused r) {
            error(ex, r.status(), r.getMessage());
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ex.getIn().getBody(String.class));
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isArray() || body.size() > MAX_BEATS) {
            error(ex, 400, "expected a JSON array of at most " + MAX_BEATS + " heartbeats (agent_status rows)");
            return;
        }
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>(body.size());
        for (JsonNode beat : body) {
            if (!beat.isObject() || !beat.path("agent_id").asText("").equals(agent.agentId())) {
                error(ex, 403, "agent " + agent.agentId() + " may report its own heartbeats only");
                return;
            }
            Map<String, Object> row = JSON.convertValue(beat, new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() {
            });
            java.util.Set<String> given = new java.util.HashSet<>(row.keySet());
            given.removeAll(OPTIONAL_BEAT_COLUMNS);
            if (!given.equals(BEAT_COLUMNS)) {
                error(ex, 400, "a heartbeat has exactly the agent_status columns " + new java.util.TreeSet<>(BEAT_COLUMNS)
                        + " (and optionally " + new java.util.TreeSet<>(OPTIONAL_BEAT_COLUMNS) + ")");
                return;
            }
            for (String optional : OPTIONAL_BEAT_COLUMNS) {
                row.putIfAbsent(optional, null);
            }
            rows.add(row);
        }
        ex.getMessage().setBody(rows);
        ex.setProperty(BEATS_ACCEPTED, true);
    }

    /** Route step after the insert: 200 with how many beats were stored. */
    public void heartbeatStored(Exchange ex) {
        java.util.List<?> rows = ex.getIn().getBody(java.util.List.class);
        reply(ex, 200, JSON.createObjectNode().put("stored", rows == null ? 0 : rows.size()));
    }

    /** What an agent of a group is to use: settings, secrets, config source. */
    private ObjectNode grant(String agentId, String group) throws Refused {
        Groups.Group g = groups.group(group);
        Map<String, String> secrets = groups.secrets(group);
        ObjectNode out = JSON.createObjectNode();
        out.put("agentId", agentId);
        out.put("group", group);
        ObjectNode settings = out.putObject("settings");
        g.settings().forEach(settings::put);
        ObjectNode sec = out.putObject("secrets");
        secrets.forEach(sec::put);
        if (!g.settings().containsKey("nervesys.config.repo") && mirror.enabled()) {
            ObjectNode config = out.putObject("config");
            config.put("path", GIT_PATH);
            config.put("branch", mirror.branch());
        }
        return out;
    }

    static String remote(Message in) {
        Object r = in.getHeader("CamelNettyRemoteAddress");
        return r == null ? null : r.toString();
    }

    private static void reply(Exchange ex, int status, ObjectNode body) {
        Message m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setHeader("Cache-Control", "no-store");
        m.setBody(body.toString());
    }

    static void error(Exchange ex, int status, String message) {
        reply(ex, status, JSON.createObjectNode().put("error", message));
    }
}
