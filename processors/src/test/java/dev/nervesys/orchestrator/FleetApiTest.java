package dev.nervesys.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.HandClock;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet API's answers for a seeded fleet on real PostgreSQL (tokens, agents, rollouts, heartbeats
 * in the real agent_status schema), through the bean the routes call; HTTP itself is covered by
 * OrchestratorFleetApiTest in bootstrap.
 */
class FleetApiTest {

    private static final String ADMIN = "admin-token-for-test";
    private static final String C1 = "1111111111111111111111111111111111111111";
    private static final String C2 = "2222222222222222222222222222222222222222";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PgDatabase db;
    private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final CamelContext camel = new DefaultCamelContext();
    private OrchestratorStore store;
    private Rollouts rollouts;
    private FleetApi api;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orchapi_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        store = new OrchestratorStore(ds, clock);
        rollouts = new Rollouts(store, Canary.parse("canary-1"), Duration.ofMinutes(5), clock);
        api = new FleetApi("other-token, " + ADMIN, store, rollouts, null, clock);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var in = getClass().getResourceAsStream("/db/heartbeat/postgres/V1__agent_status.sql")) {
            s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String host : new String[] {"canary-1", "other-1", "other-2", "gone-1"}) {
            String token = store.createToken("edge", 1, Duration.ofHours(1)).token();
            store.enroll(token, host, "10.0.0.9", g -> host);
        }
        store.revokeAgent("gone-1");
        rollouts.observed(C1);
        rollouts.observed(C2);
        beat("canary-1", "healthy", C2, null, "[]", 60);
        beat("other-1", "degraded", C1, null, "[{\"rule\":\"disk\",\"level\":\"warning\"}]", 60);
        clock.advance(Duration.ofMinutes(2));
        beat("other-1", "degraded", C1, null, "[{\"rule\":\"disk\",\"level\":\"warning\"}]", 60);
        clock.advance(Duration.ofMinutes(2));
        // other-2 never beat; canary-1 last beat 4 minutes ago with a 60 s interval: silent
    }

    @AfterEach
    void tearDown() throws Exception {
        camel.close();
        db.close();
    }

    private void beat(String agent, String status, String revision, String rejected, String alerts, int interval) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO agent_status (agent_id, server, ts, "
                + "status, metrics, alerts, config_revision, config_rejected_revision, config_rejected_error, buffer_rows, buffer_dropped, "
                + "interval_seconds) VALUES (?, ?, ?, ?, '{\"buffer_percent\": 12.5}'::jsonb, ?::jsonb, ?, ?, ?, 42, 1, ?)")) {
            ps.setString(1, agent);
            ps.setString(2, agent);
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            ps.setString(4, status);
            ps.setString(5, alerts);
            ps.setString(6, revision);
            ps.setString(7, rejected);
            ps.setString(8, rejected == null ? null : "route x did not start");
            ps.setInt(9, interval);
            ps.executeUpdate();
        }
    }

    private record Answer(int status, JsonNode body, Exchange exchange) {
    }

    private Answer call(Consumer<Exchange> endpoint, String method, String path, String authorization) throws Exception {
        Exchange ex = new DefaultExchange(camel);
        ex.getIn().setHeader(Exchange.HTTP_METHOD, method);
        ex.getIn().setHeader(Exchange.HTTP_URI, path);
        int q = path.indexOf('?');
        if (q > 0) {
            ex.getIn().setHeader(Exchange.HTTP_URI, path.substring(0, q));
            ex.getIn().setHeader(Exchange.HTTP_QUERY, path.substring(q + 1));
        }
        if (authorization != null) {
            ex.getIn().setHeader("Authorization", authorization);
        }
        endpoint.accept(ex);
        return new Answer(ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class),
                JSON.readTree(ex.getMessage().getBody(String.class)), ex);
    }

    private Answer get(Consumer<Exchange> endpoint, String path) throws Exception {
        Answer a = call(endpoint, "GET", path, "Bearer " + ADMIN);
        assertThat(a.status()).as(a.body().toString()).isEqualTo(200);
        return a;
    }

    @Test
    void withoutTokenItIs401WithAWrongOne403AndWithoutConfiguredTokensTheApiIsOff() throws Exception {
        Answer none = call(api::agents, "GET", "/v1/agents", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body().path("error").asText()).contains("Authorization: Bearer");
        assertThat(none.exchange().getMessage().getHeader("WWW-Authenticate", String.class)).startsWith("Bearer");
        assertThat(call(api::agents, "GET", "/v1/agents", "Basic Y2FuYXJ5LTE6eA==").status()).isEqualTo(401);
        Answer wrong = call(api::tokens, "GET", "/v1/tokens", "Bearer " + ADMIN + "x");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.body().toString()).doesNotContain(ADMIN);
        assertThat(call(api::tokens, "GET", "/v1/tokens", "Bearer other-token").status()).as("a second token").isEqualTo(200);
        Answer off = call(new FleetApi(" ", store, rollouts, null, clock)::agents, "GET", "/v1/agents", "Bearer " + ADMIN);
        assertThat(off.status()).isEqualTo(404);
        assertThat(off.body().path("error").asText()).contains("NERVESYS_ORCHESTRATOR_API_TOKENS");
        assertThat(call(api::rollouts, "GET", "/v1/rollouts/" + C2 + "/promote", "Bearer " + ADMIN).status()).isEqualTo(405);
        assertThat(call(api::rollouts, "POST", "/v1/rollouts/" + C2 + "/explode", "Bearer " + ADMIN).status()).isEqualTo(404);
    }

    @Test
    void agentsCarryTheirLatestBeatRevisionsBufferAlertsAndRevocation() throws Exception {
        JsonNode agents = get(api::agents, "/v1/agents").body();
        assertThat(agents).hasSize(4);
        JsonNode canary = agents.get(0);
        assertThat(canary.path("agentId").asText()).isEqualTo("canary-1");
        assertThat(canary.path("group").asText()).isEqualTo("edge");
        assertThat(canary.path("status").asText()).isEqualTo("healthy");
        assertThat(canary.path("lastBeat").asText()).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(canary.path("silent").asBoolean()).as("4 min without a beat, 60 s interval").isTrue();
        assertThat(canary.path("appliedRevision").asText()).isEqualTo(C2);
        assertThat(canary.path("targetRevision").asText()).isEqualTo(C2);
        assertThat(canary.path("buffer").path("rows").asLong()).isEqualTo(42);
        assertThat(canary.path("buffer").path("percent").asDouble()).isEqualTo(12.5);
        assertThat(canary.path("revoked").asBoolean()).isFalse();

        JsonNode gone = agents.get(1);
        assertThat(gone.path("agentId").asText()).isEqualTo("gone-1");
        assertThat(gone.path("revoked").asBoolean()).isTrue();
        assertThat(gone.path("revokedAt").asText()).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(gone.path("status").asText()).isEqualTo("unknown");

        JsonNode other = agents.get(2);
        assertThat(other.path("agentId").asText()).isEqualTo("other-1");
        assertThat(other.path("status").asText()).isEqualTo("degraded");
        assertThat(other.path("lastBeat").asText()).isEqualTo("2026-03-01T10:02:00Z");
        assertThat(other.path("silent").asBoolean()).isFalse();
        assertThat(other.path("targetRevision").asText()).as("not a canary: the previous commit").isEqualTo(C1);
        assertThat(other.path("openAlerts").asInt()).isEqualTo(1);
        assertThat(other.path("alerts").get(0).path("rule").asText()).isEqualTo("disk");

        JsonNode silent = agents.get(3);
        assertThat(silent.path("agentId").asText()).isEqualTo("other-2");
        assertThat(silent.path("lastBeat").isNull()).isTrue();
        assertThat(silent.path("silent").asBoolean()).isTrue();
        assertThat(agents.toString()).doesNotContain("nva_").doesNotContain("credential");
    }

    @Test
    void revisionsCountAppliedRejectedAndPendingAgents() throws Exception {
        beat("other-2", "healthy", null, C2, "[]", 60);
        JsonNode revs = get(api::revisions, "/v1/revisions").body();
        assertThat(revs).hasSize(2);
        JsonNode c2 = revs.get(0);
        assertThat(c2.path("revision").asText()).isEqualTo(C2);
        assertThat(c2.path("rollout").asText()).isEqualTo("canary");
        assertThat(c2.path("appliedCount").asInt()).isEqualTo(1);
        assertThat(c2.path("applied").toString()).isEqualTo("[\"canary-1\"]");
        assertThat(c2.path("rejectedCount").asInt()).isEqualTo(1);
        assertThat(c2.path("rejected").toString()).isEqualTo("[\"other-2\"]");
        assertThat(c2.path("pendingCount").asInt()).isZero();
        JsonNode c1 = revs.get(1);
        assertThat(c1.path("revision").asText()).isEqualTo(C1);
        assertThat(c1.path("rollout").asText()).isEqualTo("promoted");
        assertThat(c1.path("applied").toString()).isEqualTo("[\"other-1\"]");
        assertThat(c1.path("pending").toString()).as("served C1, runs nothing yet; the revoked agent is left out")
                .isEqualTo("[\"other-2\"]");
        assertThat(c1.path("pendingCount").asInt()).isEqualTo(1);
    }

    @Test
    void rolloutsArePromotedAndHaltedThroughTheApiAndAudited() throws Exception {
        JsonNode list = get(api::rollouts, "/v1/rollouts").body();
        assertThat(list.get(0).path("commit_id").asText()).isEqualTo(C2);
        assertThat(list.get(0).path("state").asText()).isEqualTo("canary");

        Answer halted = call(api::rollouts, "POST", "/v1/rollouts/" + C2.substring(0, 8) + "/halt", "Bearer " + ADMIN);
        assertThat(halted.status()).isEqualTo(200);
        assertThat(halted.body().path("state").asText()).isEqualTo("halted");
        String tokenId = Secrets.tokenId(Secrets.hash(ADMIN));
        assertThat(halted.body().path("reason").asText()).isEqualTo("halted by API token " + tokenId);
        assertThat(rollouts.commitFor("canary-1")).isEqualTo(C1);

        Answer again = call(api::rollouts, "POST", "/v1/rollouts/" + C2 + "/halt", "Bearer " + ADMIN);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().path("error").asText()).isEqualTo("rollout of " + C2 + " is already halted");
        assertThat(call(api::rollouts, "POST", "/v1/rollouts/" + C1 + "/promote", "Bearer " + ADMIN).status()).isEqualTo(409);

        assertThat(call(api::rollouts, "POST", "/v1/rollouts/" + C2 + "/promote", "Bearer " + ADMIN).status()).isEqualTo(200);
        assertThat(rollouts.commitFor("other-1")).isEqualTo(C2);

        JsonNode audit = get(api::audit, "/v1/audit?limit=2").body();
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0).path("event").asText()).isEqualTo("rollout-promoted");
        assertThat(audit.get(0).path("message").asText()).isEqualTo(C2 + ": promoted by API token " + tokenId);
        assertThat(audit.get(1).path("event").asText()).isEqualTo("rollout-halted");
        assertThat(audit.toString()).doesNotContain(ADMIN);
        assertThat(get(api::audit, "/v1/audit").body().size()).as("4 token-create, 4 enroll, revoke, halt, promote").isEqualTo(11);
        Answer bad = call(api::audit, "GET", "/v1/audit?limit=lots", "Bearer " + ADMIN);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("error").asText()).isEqualTo("limit must be a whole number from 1 to 1000, not 'lots'");
    }

    @Test
    void tokensAreListedWithoutSecrets() throws Exception {
        String secret = store.createToken("lab", 5, Duration.ofHours(24)).token();
        JsonNode tokens = get(api::tokens, "/v1/tokens").body();
        assertThat(tokens).hasSize(5);
        JsonNode lab = tokens.get(4);
        assertThat(lab.path("token_id").asText()).isEqualTo(Secrets.tokenId(Secrets.hash(secret)));
        assertThat(lab.path("group_name").asText()).isEqualTo("lab");
        assertThat(lab.path("uses").asInt()).isZero();
        assertThat(lab.path("max_uses").asInt()).isEqualTo(5);
        assertThat(lab.path("expires_at").asText()).isEqualTo("2026-03-02T10:04:00Z");
        assertThat(tokens.get(0).path("uses").asInt()).isEqualTo(1);
        assertThat(tokens.toString()).doesNotContain(secret).doesNotContain("token_hash").doesNotContain("nvt_");
    }
}
