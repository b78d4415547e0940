package dev.nervesys.orchestrator;

import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.HandClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Tokens, enrollment, revocation and the audit on a real PostgreSQL, time from a hand-moved clock. */
class OrchestratorStoreTest {

    private PgDatabase db;
    private PGSimpleDataSource ds;
    private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
    private OrchestratorStore store;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orch_");
        ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        store = new OrchestratorStore(ds, clock);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        db.close();
    }

    private static OrchestratorStore.Namer host(String host) {
        return group -> group + "-" + host;
    }

    @Test
    void tokensExpireGetUsedUpAndRevokedWithClearStatusesAllAudited() throws Exception {
        OrchestratorStore.CreatedToken two = store.createToken("edge", 2, Duration.ofHours(24));
        assertThat(two.token()).startsWith("nvt_").hasSizeGreaterThan(40);
        assertThat(two.expiresAt()).isEqualTo(Instant.parse("2026-03-02T10:00:00Z"));

        assertThat(store.enroll(two.token(), "h1", "10.0.0.1", host("h1")).agentId()).isEqualTo("edge-h1");
        assertThat(store.enroll(two.token(), "h2", "10.0.0.2", host("h2")).agentId()).isEqualTo("edge-h2");
        assertThatThrownBy(() -> store.enroll(two.token(), "h3", "10.0.0.3", host("h3")))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(410))
                .hasMessage("enrollment token " + two.tokenId() + " is used up (2 of 2 uses)");

        OrchestratorStore.CreatedToken shortLived = store.createToken("edge", 5, Duration.ofHours(1));
        clock.advance(Duration.ofMinutes(59));
        assertThat(store.enroll(shortLived.token(), "h4", null, host("h4")).group()).isEqualTo("edge");
        clock.advance(Duration.ofMinutes(1));
        assertThatThrownBy(() -> store.enroll(shortLived.token(), "h5", null, host("h5")))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(410))
                .hasMessage("enrollment token " + shortLived.tokenId() + " expired at 2026-03-01T11:00:00Z");

        OrchestratorStore.CreatedToken revoked = store.createToken("edge", 5, Duration.ofHours(1));
        assertThat(store.revokeToken(revoked.tokenId())).isTrue();
        assertThatThrownBy(() -> store.enroll(revoked.token(), "h6", null, host("h6")))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(403))
                .hasMessageStartingWith("enrollment token " + revoked.tokenId() + " was revoked at");

        assertThatThrownBy(() -> store.enroll("nvt_not-a-token", "h7", null, host("h7")))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401))
                .hasMessageStartingWith("unknown enrollment token");

        // a refused enrollment (no such group) does not take a use
        OrchestratorStore.CreatedToken one = store.createToken("nogroup", 1, Duration.ofHours(1));
        assertThatThrownBy(() -> store.enroll(one.token(), "h8", null, g -> {
            throw new Refused(409, "group " + g + " is not defined");
        })).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(409));
        assertThat(store.tokens()).filteredOn(t -> t.get("token_id").equals(one.tokenId()))
                .singleElement().satisfies(t -> assertThat(t.get("uses")).isEqualTo(0));

        List<Map<String, Object>> audit = store.audit(100);
        assertThat(audit).filteredOn(a -> a.get("event").equals("enroll")).hasSize(3);
        assertThat(audit).filteredOn(a -> a.get("event").equals("enroll-refused"))
                .extracting(a -> a.get("status")).containsExactlyInAnyOrder(410, 410, 403, 401, 409);
        assertThat(audit).filteredOn(a -> a.get("event").equals("enroll-refused") && a.get("status").equals(410))
                .extracting(a -> (String) a.get("message")).anySatisfy(m -> assertThat(m).contains("used up"))
                .anySatisfy(m -> assertThat(m).contains("expired"));

        // only hashes are stored: no column of any table holds a token or a credential
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("orchestrator_tokens", "orchestrator_agents", "orchestrator_audit")) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    while (rs.next()) {
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            assertThat(String.valueOf(rs.getObject(i))).doesNotContain("nvt_").doesNotContain("nva_");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aRevokedAgentIsRefusedUntilItEnrollsWithANewToken() throws Exception {
        // two orchestrators on one database, each keeping checked credentials in memory (as they run)
        store.listen();
        PGSimpleDataSource dsB = new PGSimpleDataSource();
        dsB.setURL(db.url());
        dsB.setUser(PgDatabase.USER);
        dsB.setApplicationName("orch-b");
        OrchestratorStore other = new OrchestratorStore(dsB, clock);
        other.listen();
        try {
            OrchestratorStore.Enrolled e = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "h1", null, host("h1"));
            other.migrate();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.feed().live() && other.feed().live());
            assertThat(store.authenticate(e.agentId(), e.credential())).isEqualTo(new OrchestratorStore.AgentRecord("edge-h1", "edge"));
            assertThat(other.authenticate(e.agentId(), e.credential())).isEqualTo(new OrchestratorStore.AgentRecord("edge-h1", "edge"));
            long reads = other.credentialReads();
            for (int i = 0; i < 100; i++) {
                assertThat(other.authenticate(e.agentId(), e.credential()).agentId()).isEqualTo("edge-h1");
            }
            assertThat(other.credentialReads()).as("a known credential is checked in memory").isEqualTo(reads);
            // a cached credential still belongs to its own agent only
            assertThatThrownBy(() -> store.authenticate("edge-other", e.credential()))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401));
            assertThatThrownBy(() -> other.authenticate("edge-other", e.credential()))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401));

            // revoked through one orchestrator: the other refuses the agent's very next request
            clock.advance(Duration.ofMinutes(5));
            assertThat(store.revokeAgent("edge-h1")).isTrue();
            assertThatThrownBy(() -> other.authenticate(e.agentId(), e.credential()))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(403))
                    .hasMessage("agent edge-h1 was revoked at 2026-03-01T10:05:00Z: enroll it again with a new token");
            assertThatThrownBy(() -> store.authenticate(e.agentId(), e.credential()))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(403));
            assertThat(store.revokeAgent("edge-h1")).as("revoked already: found, not revoked twice").isTrue();
            assertThat(store.revokeAgent("edge-none")).isFalse();
            assertThatThrownBy(() -> store.refresh(e.agentId(), e.credential(), "10.0.0.9"))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(403))
                    .hasMessage("agent edge-h1 was revoked at 2026-03-01T10:05:00Z: enroll it again with a new token");
            assertThat(store.audit(10)).extracting(a -> a.get("event")).contains("agent-revoke", "refresh-refused");
            try (Connection c = ds.getConnection()) {
                assertThat(OrchestratorStore.revokedAgents(c)).containsExactly("edge-h1");
            }

            OrchestratorStore.Enrolled again = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "h1", null, host("h1"));
            assertThat(again.agentId()).isEqualTo("edge-h1");
            assertThat(store.authenticate("edge-h1", again.credential()).agentId()).isEqualTo("edge-h1");
            assertThat(other.authenticate("edge-h1", again.credential()).agentId()).isEqualTo("edge-h1");
            assertThatThrownBy(() -> store.authenticate("edge-h1", e.credential()))
                    .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401));

            // a third enrollment replaces the credential both orchestrators hold in memory: the old one
            // is refused once PostgreSQL's notification of the commit arrived (milliseconds)
            OrchestratorStore.Enrolled third = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "h1", null, host("h1"));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).untilAsserted(() ->
                    assertThatThrownBy(() -> other.authenticate("edge-h1", again.credential()))
                            .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401)));
            assertThat(other.authenticate("edge-h1", third.credential()).agentId()).isEqualTo("edge-h1");

            // a revoke by hand in SQL (no command, nobody waiting for the notification) reaches both too
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE orchestrator_agents SET revoked_at = now() WHERE agent_id = 'edge-h1'");
            }
            for (OrchestratorStore o : List.of(store, other)) {
                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).untilAsserted(() ->
                        assertThatThrownBy(() -> o.authenticate("edge-h1", third.credential()))
                                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(403)));
            }

            // killed, the feed's connection is replaced; meanwhile nothing is served from memory
            OrchestratorStore.Enrolled fourth = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "h1", null, host("h1"));
            assertThat(other.feed().connects()).isEqualTo(1);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                        + "AND application_name = 'orch-b' AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> other.feed().live() && other.feed().connects() == 2);
            other.authenticate("edge-h1", fourth.credential());
            long cached = other.credentialReads();
            other.authenticate("edge-h1", fourth.credential());
            assertThat(other.credentialReads()).isEqualTo(cached);
            // stopped (or down), every check reads the database
            other.close();
            assertThat(other.feed().live()).isFalse();
            other.authenticate("edge-h1", fourth.credential());
            other.authenticate("edge-h1", fourth.credential());
            assertThat(other.credentialReads()).isEqualTo(cached + 2);
        } finally {
            other.close();
        }
    }

    @Test
    void twoOrchestratorsOnOneDatabaseGiveATokensLastUseOnce() throws Exception {
        OrchestratorStore other = new OrchestratorStore(ds, clock);
        String token = store.createToken("edge", 3, Duration.ofHours(1)).token();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                OrchestratorStore s = i % 2 == 0 ? store : other;
                String h = "h" + i;
                results.add(pool.submit((Callable<String>) () -> {
                    try {
                        return s.enroll(token, h, null, host(h)).agentId();
                    } catch (Refused r) {
                        return "refused " + r.status();
                    }
                }));
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) {
                outcomes.add(f.get());
            }
            assertThat(outcomes).filteredOn(o -> o.startsWith("edge-")).hasSize(3);
            assertThat(outcomes).filteredOn(o -> o.equals("refused 410")).hasSize(13);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.agents()).hasSize(3);
    }
}
