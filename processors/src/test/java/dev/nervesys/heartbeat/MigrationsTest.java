package dev.nervesys.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.spi.Dialect;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

/** The heartbeat schema under Flyway, on a real PostgreSQL and SQLite. */
class MigrationsTest {

    @TempDir
    Path tmp;

    @Test
    void agentsStartingTogetherOnOneDatabaseMigrateItOnce() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            PGSimpleDataSource ds = pg(pg);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> runs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(pool.submit(() -> Migrations.apply(ds, Dialect.POSTGRES)));
                }
                for (Future<Integer> f : runs) {
                    assertThat(f.get()).isEqualTo(5);
                }
            } finally {
                pool.shutdownNow();
            }
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM "
                         + Migrations.HISTORY_TABLE + " WHERE success")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("1,2,3,4,5");
            }
        }
    }

    @Test
    void aDatabaseThatHoldsOtherTablesGetsTheWholeSchema() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE someone_elses (id INTEGER)");
                st.execute("CREATE TABLE flyway_schema_history (installed_rank INT)"); // another Flyway user's history
            }
            // four agents starting together on it: one baselines, the others find its history
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> runs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(pool.submit(() -> Migrations.apply(pg(pg), Dialect.POSTGRES)));
                }
                for (Future<Integer> f : runs) {
                    assertThat(f.get()).isEqualTo(5);
                }
            } finally {
                pool.shutdownNow();
            }
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM agent_status, alert_history, alert_silence")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    void aDatabaseOfTheEarlierRunnerIsBaselinedNotMigratedAgain() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            // what the hand-written runner left: both scripts applied, one row each in schema_version, and a beat
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute(script("postgres/V1__agent_status.sql"));
                st.execute(script("postgres/V2__alert_history.sql"));
                st.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
                st.execute("INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00Z'), (2, '2026-01-01T00:00:00Z')");
                st.execute("INSERT INTO agent_status (agent_id, server, ts, status, metrics) "
                        + "VALUES ('a1', 's1', '2026-01-01T00:00:00Z', 'healthy', '{}')");
                st.execute("DROP INDEX agent_status_ts"); // a script applied again would recreate it
            }
            assertThat(Migrations.apply(pg(pg), Dialect.POSTGRES)).isEqualTo(5);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                // baselined at the runner's 2, then only what came after it (V3, alert silences; V4, route figures; V5, folded lines)
                try (ResultSet rs = st.executeQuery("SELECT type, version FROM " + Migrations.HISTORY_TABLE + " ORDER BY installed_rank")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("type")).isEqualTo("BASELINE");
                    assertThat(rs.getString("version")).isEqualTo("2");
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("type")).isEqualTo("SQL");
                    assertThat(rs.getString("version")).isEqualTo("3");
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("version")).isEqualTo("4");
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("version")).isEqualTo("5");
                    assertThat(rs.next()).isFalse();
                }
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = 'agent_status_ts'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("no script applied twice").isZero();
                }
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM agent_status")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
            }
            // and the next start finds its own history
            assertThat(Migrations.apply(pg(pg), Dialect.POSTGRES)).isEqualTo(5);
        }
    }

    @Test
    void anEditedMigrationIsRefusedByItsChecksum() throws Exception {
        Path db = tmp.resolve("hb.db");
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db);
        assertThat(Migrations.apply(ds, Dialect.SQLITE)).isEqualTo(5);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("UPDATE " + Migrations.HISTORY_TABLE + " SET checksum = checksum + 1 WHERE version = '1'");
        }
        assertThatThrownBy(() -> Migrations.apply(ds, Dialect.SQLITE))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("heartbeat schema migration failed")
                .hasMessageContaining("checksum");
    }

    @Test
    void alertHistoryGetsItsFoldedColumnInBothDialectsAndEarlierRowsStandForTheirCountAlone() throws Exception {
        String insert = "INSERT INTO alert_history (alert_id, agent_id, server, fingerprint, rule, label, first_seen, last_seen, count, status)"
                + " VALUES ('a1', 'ag', 's', 'f', 'text', 'critical', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z', 3, 'sent')";
        String lines = "SELECT count + folded FROM alert_history WHERE alert_id = 'a1'";
        try (PgDatabase pg = new PgDatabase()) {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute(script("postgres/V1__agent_status.sql"));
                st.execute(script("postgres/V2__alert_history.sql"));
                st.execute(insert); // a row of an agent before V4
            }
            assertThat(Migrations.apply(pg(pg), Dialect.POSTGRES)).isEqualTo(5);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery(lines)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(3);
                }
                st.execute("UPDATE alert_history SET folded = 19949 WHERE alert_id = 'a1'");
                try (ResultSet rs = st.executeQuery(lines)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(19952);
                }
            }
        }
        Path db = tmp.resolve("folded.db");
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db);
        assertThat(Migrations.apply(ds, Dialect.SQLITE)).isEqualTo(5);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute(insert);
            try (ResultSet rs = st.executeQuery(lines)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(3);
            }
        }
    }

    private static PGSimpleDataSource pg(PgDatabase pg) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(pg.url());
        ds.setUser(PgDatabase.USER);
        return ds;
    }

    private static String script(String name) throws Exception {
        try (InputStream in = MigrationsTest.class.getClassLoader().getResourceAsStream("db/heartbeat/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
