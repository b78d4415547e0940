package dev.nervesys.heartbeat;

import dev.nervesys.spi.ConfigChecks;
import dev.nervesys.spi.Dialect;
import dev.nervesys.testing.RoutesHarness;
import dev.nervesys.testing.TcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.spi.AgentInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heartbeats through the real routes/heartbeat.camel.yaml into SQLite (default) and PostgreSQL. */
class HeartbeatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    java.nio.file.Path tmp;

    static AgentInfo info(String applied, String rejected, String error) {
        Instant started = Instant.now().minusSeconds(42);
        return new AgentInfo() {
            public String appliedRevision() {
                return applied;
            }

            public String rejectedRevision() {
                return rejected;
            }

            public String rejectedError() {
                return error;
            }

            public String version() {
                return "9.9.9-test";
            }

            public Instant startedAt() {
                return started;
            }
        };
    }

    @Test
    void sqliteByDefaultWithStatusFromThresholds() throws Exception {
        RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("data"), "hb-sqlite");
        // a threshold every host reaches: the status must come from the file, not from code
        s.files.put("config/thresholds.yaml", "status:\n  disk_percent: {degraded: 0}\n");
        try (RoutesHarness h = new RoutesHarness(s, Map.of("agentInfo", info("abc123", null, null)), "heartbeat.camel.yaml")) {
            java.nio.file.Path db = tmp.resolve("data/heartbeat/heartbeat.db");
            await().atMost(Duration.ofSeconds(20)).until(() -> count("jdbc:sqlite:" + db) >= 2);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT * FROM agent_status ORDER BY ts LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("agent_id")).isEqualTo("hb-sqlite");
                assertThat(rs.getString("server")).isEqualTo("srv-hb-sqlite");
                assertThat(rs.getString("status")).isEqualTo("degraded");
                assertThat(rs.getString("status_reason")).startsWith("disk_percent ");
                JsonNode metrics = JSON.readTree(rs.getString("metrics"));
                assertThat(metrics.fieldNames()).toIterable().contains("cpu_percent", "ram_percent", "disk_percent", "buffer_size_mb");
                assertThat(metrics.get("disk_percent").asDouble()).isBetween(0.0, 100.0);
                assertThat(JSON.readTree(rs.getString("alerts")).isArray()).isTrue();
                assertThat(rs.getString("config_revision")).isEqualTo("abc123");
                assertThat(rs.getString("agent_version")).isEqualTo("9.9.9-test");
                assertThat(rs.getLong("uptime_seconds")).isGreaterThanOrEqualTo(42);
                assertThat(rs.getLong("buffer_rows")).isZero();
                assertThat(rs.getLong("buffer_dropped")).isZero();
                assertThat(rs.getString("last_action")).isEqualTo("applied config abc123");
                assertThat(Instant.parse(rs.getString("ts"))).isBefore(Instant.now());
            }
            // migrations are idempotent: a second run changes nothing
            HeartbeatStore store = h.bean("heartbeatStore");
            assertThat(Migrations.apply(h.bean("heartbeatDataSource"), Dialect.SQLITE)).isEqualTo(5);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(CAST(version AS INTEGER)) FROM "
                         + Migrations.HISTORY_TABLE + " WHERE success")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(5);
                assertThat(rs.getInt(2)).isEqualTo(5);
            }
            assertThat(store.status()).containsEntry("database", "sqlite").containsEntry("consecutiveFailures", 0);
        }
    }

    @Test
    void postgresWithRejectedRevisionAndHealthCheck() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("data"), "hb-pg");
            s.set("nervesys.postgres.url", pg.url());
            s.env.put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
            try (RoutesHarness h = new RoutesHarness(s, Map.of("agentInfo", info("rev2", "rev3", "config/thresholds.yaml:4: bad")),
                    "heartbeat.camel.yaml")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> pgCount(pg) >= 2);
                try (Connection c = pg.connect(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT agent_id, status, status_reason, metrics->>'buffer_size_mb' AS mb, "
                             + "jsonb_typeof(alerts) AS at, config_revision, config_rejected_revision, config_rejected_error, "
                             + "pg_typeof(ts)::text AS tt, interval_seconds FROM agent_status ORDER BY ts DESC LIMIT 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("agent_id")).isEqualTo("hb-pg");
                    // config_rejected: {degraded: 1} in config/thresholds.yaml
                    assertThat(rs.getString("status")).isIn("degraded", "critical");
                    assertThat(rs.getString("status_reason")).contains("config_rejected 1 >= 1");
                    assertThat(Double.parseDouble(rs.getString("mb"))).isGreaterThanOrEqualTo(0.0);
                    assertThat(rs.getString("at")).isEqualTo("array");
                    assertThat(rs.getString("config_revision")).isEqualTo("rev2");
                    assertThat(rs.getString("config_rejected_revision")).isEqualTo("rev3");
                    assertThat(rs.getString("config_rejected_error")).isEqualTo("config/thresholds.yaml:4: bad");
                    assertThat(rs.getString("tt")).isEqualTo("timestamp with time zone");
                    assertThat(rs.getInt("interval_seconds")).isZero();
                }
                try (Connection c = pg.connect(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT indexdef FROM pg_indexes WHERE indexname = 'agent_status_agent_ts'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).contains("(agent_id, ts DESC)");
                }
                HealthCheck check = org.apache.camel.health.HealthCheckRegistry.get(h.context).getCheck("heartbeat-postgres").orElseThrow();
                assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
            }
        }
    }

    @Test
    void outageKeepsBeatsAndWritesThemLaterWithOriginalTimestamps() throws Exception {
        try (PgDatabase pg = new PgDatabase(); TcpProxy proxy = new TcpProxy(PgDatabase.HOST, PgDatabase.PORT)) {
            RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("data"), "hb-outage");
            s.set("nervesys.postgres.url", pg.url(proxy.port()));
            s.set("nervesys.postgres.connectTimeout", "1s");
            s.set("nervesys.postgres.socketTimeout", "2s");
            s.env.put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
            try (RoutesHarness h = new RoutesHarness(s, Map.of(), "heartbeat.camel.yaml")) {
                HeartbeatStore store = h.bean("heartbeatStore");
                await().atMost(Duration.ofSeconds(20)).until(() -> pgCount(pg) >= 1);

                proxy.stop();
                Instant down = Instant.now();
                await().atMost(Duration.ofSeconds(20)).until(() -> store.consecutiveFailures() > 0);
                await().atMost(Duration.ofSeconds(20)).until(() -> store.spool().size() >= 4);
                HealthCheck check = org.apache.camel.health.HealthCheckRegistry.get(h.context).getCheck("heartbeat-postgres").orElseThrow();
                // degraded, not DOWN: the beats wait in the spool (docs/operations.md)
                HealthCheck.Result degraded = check.call();
                assertThat(degraded.getState()).isEqualTo(HealthCheck.State.UP);
                assertThat(degraded.getDetails()).containsEntry("state", "degraded").containsKey("since");
                assertThat((Long) degraded.getDetails().get("backlogBeats")).isGreaterThanOrEqualTo(4);
                assertThat(degraded.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("heartbeat database unreachable"));
                List<String> spooled = new ArrayList<>();
                for (BeatSpool.Entry e : store.spool().peek(100)) {
                    spooled.add(JSON.readTree(e.json()).get("ts").asText());
                }

                proxy.start();
                Instant up = Instant.now();
                await().atMost(Duration.ofSeconds(30)).until(() -> store.consecutiveFailures() == 0 && store.spool().size() <= 1);
                List<Instant> written = new ArrayList<>();
                try (Connection c = pg.connect(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT ts, received_at FROM agent_status WHERE ts > now() - interval '1 hour' ORDER BY ts")) {
                    while (rs.next()) {
                        written.add(rs.getObject(1, java.time.OffsetDateTime.class).toInstant());
                        if (!rs.getObject(1, java.time.OffsetDateTime.class).toInstant().isBefore(down)
                                && rs.getObject(1, java.time.OffsetDateTime.class).toInstant().isBefore(up)) {
                            // beats taken during the outage arrived after it, under their own time
                            assertThat(rs.getObject(2, java.time.OffsetDateTime.class).toInstant()).isAfterOrEqualTo(up.minusMillis(1));
                        }
                    }
                }
                for (String ts : spooled) {
                    assertThat(written).contains(Instant.parse(ts));
                }
                assertThat(written.stream().filter(t -> !t.isBefore(down) && t.isBefore(up)).count()).isGreaterThanOrEqualTo(3);
                assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
                assertThat(check.call().getDetails()).containsEntry("state", "ok");
            }
        }
    }

    @Test
    void badThresholdsAreRejectedWithFileAndLine() {
        Map<String, String> files = Map.of("config/thresholds.yaml", "status:\n  cpu_percent: {degraded: 90, critical: 80}\n");
        assertThat(ConfigChecks.validate(files)).containsExactly(
                "config/thresholds.yaml:2: cpu_percent: degraded (90.0) must not be above critical (80.0)");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "status:\n  cpu: {degraded: 1}\n")))
                .singleElement().asString().startsWith("config/thresholds.yaml:2: unknown status figure 'cpu'");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "status: [\n"))).singleElement().asString()
                .startsWith("config/thresholds.yaml:");
        RoutesHarness.Settings s = new RoutesHarness.Settings(tmp, "bad");
        s.files.put("config/thresholds.yaml", "status:\n  cpu_percent: {degraded: 90, critical: 80}\n");
        assertThatThrownBy(() -> new HeartbeatBeans().beans(s, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("config/thresholds.yaml:2: ");
    }

    @Test
    void repositoryConfigFilesAreValid() throws Exception {
        Map<String, String> files = new java.util.HashMap<>();
        for (String f : List.of("config/thresholds.yaml", "config/alerts.yaml", "config/classifier/critical.txt", "config/classifier/normal.txt")) {
            files.put(f, java.nio.file.Files.readString(RoutesHarness.repoRoot().resolve(f)));
        }
        assertThat(ConfigChecks.validate(files)).isEmpty();
        files.remove("config/classifier/normal.txt");
        assertThat(ConfigChecks.validate(files)).singleElement().asString()
                .matches("config/thresholds.yaml:\\d+: examples file 'config/classifier/normal.txt' not found in the config repo");
    }

    private static long count(String url) {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM agent_status")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static long pgCount(PgDatabase pg) {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM agent_status")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
