package dev.nervesys.orchestrator;

import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.HandClock;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Staged rollouts against real PostgreSQL: canaries' heartbeats are rows of the real agent_status
 * schema (the heartbeat's migration), time from a hand-moved clock.
 */
class RolloutsTest {

    private static final String C1 = "1111111111111111111111111111111111111111";
    private static final String C2 = "2222222222222222222222222222222222222222";
    private static final String C3 = "3333333333333333333333333333333333333333";

    private PgDatabase db;
    private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
    private OrchestratorStore store;
    private Rollouts rollouts;
    private PGSimpleDataSource ds;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orch_");
        ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        store = new OrchestratorStore(ds, clock);
        // as an orchestrator runs it: the newest rollout kept in memory, forgotten at every change
        store.listen();
        rollouts = new Rollouts(store, Canary.parse("canary-1"), Duration.ofMinutes(5), clock);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var in = getClass().getResourceAsStream("/db/heartbeat/postgres/V1__agent_status.sql")) {
            s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String host : new String[] {"canary-1", "other-1"}) {
            String token = store.createToken("edge", 1, Duration.ofHours(1)).token();
            store.enroll(token, host, null, g -> host);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.feed().live());
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        db.close();
    }

    private void beat(String agent, String status, String revision, String rejected) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO agent_status (agent_id, server, ts, "
                + "status, metrics, config_revision, config_rejected_revision, config_rejected_error) VALUES (?, ?, ?, ?, '{}'::jsonb, ?, ?, ?)")) {
            ps.setString(1, agent);
            ps.setString(2, agent);
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            ps.setString(4, status);
            ps.setString(5, revision);
            ps.setString(6, rejected);
            ps.setString(7, rejected == null ? null : "routes/x.camel.yaml: route x did not start: port taken");
            ps.executeUpdate();
        }
    }

    @Test
    void aCommitGoesToCanariesFirstAndToEveryoneAfterTheSoak() throws Exception {
        rollouts.observed(C1);
        assertThat(rollouts.commitFor("other-1")).as("the first revision goes to everyone").isEqualTo(C1);

        rollouts.observed(C2);
        assertThat(rollouts.commitFor("canary-1")).isEqualTo(C2);
        assertThat(rollouts.commitFor("other-1")).isEqualTo(C1);

        beat("canary-1", "healthy", C1, null);
        rollouts.check();
        assertThat(rollouts.commitFor("other-1")).isEqualTo(C1);
        clock.advance(Duration.ofSeconds(10));
        beat("canary-1", "healthy", C2, null);
        rollouts.check();
        clock.advance(Duration.ofMinutes(4));
        rollouts.check();
        assertThat(rollouts.commitFor("other-1")).as("still soaking").isEqualTo(C1);
        clock.advance(Duration.ofMinutes(1));
        rollouts.check();
        assertThat(rollouts.commitFor("other-1")).isEqualTo(C2);
        assertThat(rollouts.list().get(0)).containsEntry("state", "promoted")
                .containsEntry("reason", "every canary (1) ran it healthy for PT5M");
    }

    @Test
    void aRejectedOrCriticalCanaryHaltsTheRolloutAndEveryoneKeepsThePreviousCommit() throws Exception {
        rollouts.observed(C1);
        rollouts.observed(C2);
        beat("canary-1", "healthy", C1, C2);
        rollouts.check();
        assertThat(rollouts.commitFor("canary-1")).isEqualTo(C1);
        assertThat(rollouts.commitFor("other-1")).isEqualTo(C1);
        assertThat(rollouts.list().get(0)).containsEntry("state", "halted")
                .containsEntry("reason", "canary canary-1 rejected it: routes/x.camel.yaml: route x did not start: port taken");
        assertThat(store.audit(5)).extracting(a -> a.get("event")).contains("rollout-halted");
        rollouts.observed(C2);
        assertThat(rollouts.list().get(0)).as("the same upstream commit does not restart it").containsEntry("state", "halted");

        // the next commit starts a new rollout from the last promoted one; a critical canary halts it too
        rollouts.observed(C3);
        assertThat(rollouts.commitFor("canary-1")).isEqualTo(C3);
        clock.advance(Duration.ofSeconds(1));
        beat("canary-1", "critical", C3, null);
        rollouts.check();
        assertThat(rollouts.commitFor("canary-1")).isEqualTo(C1);

        // an operator promotes it anyway
        assertThatThrownBy(() -> rollouts.set(C2.substring(0, 8), "promoted")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no rollout of 22222222 is running; the newest is " + C3 + " (halted)");
        // ... through orchestrator A, while B serves the rollout's state from memory
        OrchestratorStore storeB = new OrchestratorStore(ds, clock);
        storeB.listen();
        storeB.migrate();
        await().atMost(Duration.ofSeconds(10)).until(() -> storeB.feed().live());
        Rollouts rolloutsB = new Rollouts(storeB, Canary.parse("canary-1"), Duration.ofMinutes(5), clock);
        try {
            assertThat(rolloutsB.commitFor("other-1")).isEqualTo(C1);
            long reads = rolloutsB.stateReads();
            for (int i = 0; i < 100; i++) {
                assertThat(rolloutsB.commitFor(i % 2 == 0 ? "other-1" : "canary-1")).isEqualTo(C1);
            }
            assertThat(rolloutsB.stateReads()).as("no database read while nothing changes").isEqualTo(reads);
            rollouts.set(C3.substring(0, 8), "promoted");
            assertThat(rollouts.commitFor("other-1")).as("A's own change: at once").isEqualTo(C3);
            // B learns it from PostgreSQL's notification of the commit (milliseconds), not from a poll
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1))
                    .untilAsserted(() -> assertThat(rolloutsB.commitFor("other-1")).isEqualTo(C3));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            // a change by hand in SQL (or a command) notifies too
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE orchestrator_rollouts SET state = 'halted' WHERE commit_id = '" + C3 + "'");
            }
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1))
                    .untilAsserted(() -> assertThat(rolloutsB.commitFor("other-1")).isEqualTo(C1));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1))
                    .untilAsserted(() -> assertThat(rollouts.commitFor("other-1")).isEqualTo(C1));
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE orchestrator_rollouts SET state = 'promoted' WHERE commit_id = '" + C3 + "'");
            }
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1))
                    .untilAsserted(() -> assertThat(rolloutsB.commitFor("other-1")).isEqualTo(C3));
        } finally {
            storeB.close();
        }
        assertThatThrownBy(() -> rollouts.set(C3, "promoted")).hasMessageContaining("already promoted");
    }

    @Test
    void withoutCanariesEveryCommitGoesToEveryoneAtOnce() throws Exception {
        Rollouts off = new Rollouts(store, Canary.parse("none"), Duration.ofMinutes(5), clock);
        off.observed(C1);
        off.observed(C2);
        assertThat(off.commitFor("canary-1")).isEqualTo(C2);
        assertThat(off.commitFor("other-1")).isEqualTo(C2);
        assertThat(Canary.parse("none").enabled()).isFalse();
        assertThat(Canary.parse("10%").isCanary("x")).isEqualTo(Math.floorMod("x".hashCode(), 100) < 10);
        assertThatThrownBy(() -> Canary.parse("150%")).hasMessageContaining("not between 0% and 100%");
    }
}
