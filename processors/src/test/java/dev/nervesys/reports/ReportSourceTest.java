package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.RoutesHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports read the heartbeats where the heartbeat wrote them, whatever setting put them there: a
 * SQLite file of its own ({@code nervesys.heartbeat.sqliteFile}) or a {@code postgresql://} URL
 * ({@code nervesys.postgres.url}). Beats go through the real heartbeat route; the report of the
 * hour around them must list the agent.
 */
class ReportSourceTest {

    @TempDir
    Path tmp;

    @Test
    void aCustomSqliteFileOfTheHeartbeat() throws Exception {
        Path file = tmp.resolve("elsewhere/status.db");
        RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("data"), "rs-sqlite");
        s.set("nervesys.heartbeat.sqliteFile", file.toString());
        try (RoutesHarness h = new RoutesHarness(s, Map.of(), "heartbeat.camel.yaml")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> beats("jdbc:sqlite:" + file, null) >= 1);
            ReportSettings rs = ReportSettings.from(s);
            assertThat(rs.sourceUrl()).isEqualTo(h.<HikariDataSource>bean("heartbeatDataSource").getJdbcUrl())
                    .isEqualTo("jdbc:sqlite:" + file.toAbsolutePath());
            assertReportLists(rs, "rs-sqlite");
            assertThat(tmp.resolve("data/heartbeat/heartbeat.db")).as("nothing read or written at the default").doesNotExist();
        }
    }

    @Test
    void aPostgresqlUrlWithoutJdbcPrefix() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("data"), "rs-pg");
            String url = pg.url().substring("jdbc:".length());
            assertThat(url).startsWith("postgresql://");
            s.set("nervesys.postgres.url", url);
            s.env.put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
            try (RoutesHarness h = new RoutesHarness(s, Map.of(), "heartbeat.camel.yaml")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> beats(pg.url(), PgDatabase.USER) >= 1);
                ReportSettings rs = ReportSettings.from(s);
                assertThat(rs.sourceUrl()).isEqualTo(h.<HikariDataSource>bean("heartbeatDataSource").getJdbcUrl())
                        .isEqualTo(pg.url());
                assertReportLists(rs, "rs-pg");
            }
        }
    }

    private static void assertReportLists(ReportSettings rs, String agentId) throws Exception {
        Instant now = Instant.now();
        ReportPeriod hour = new ReportPeriod(ReportPeriod.Kind.DAILY, now.minusSeconds(1800), now.plusSeconds(1800),
                ZoneOffset.UTC, "around-now", 600);
        FleetReport report = new ReportService(rs, new ReportStatus(false, Clock.systemUTC()), Clock.systemUTC()).gather(hour);
        assertThat(report.rows()).isPositive();
        assertThat(report.agents()).extracting(AgentFigures::agentId).containsExactly(agentId);
    }

    private static long beats(String url, String user) {
        try (Connection c = user == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, "");
             Statement st = c.createStatement(); ResultSet r = st.executeQuery("SELECT COUNT(*) FROM agent_status")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return 0; // the table is not there before the first flush
        }
    }
}
