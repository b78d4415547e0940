package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.flywaydb.core.internal.resolver.ChecksumCalculator;
import org.flywaydb.core.internal.resource.StringResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

/**
 * The plain-JDBC check that lets an agent whose schema is current start without Flyway: it answers
 * only when Flyway would have nothing to apply and nothing to report, with the version Flyway would
 * return; in every other case Flyway runs as before.
 */
class SchemaMigrationsTest {

    private static final String SQLITE = "db/heartbeat/sqlite";
    private static final String HISTORY = Migrations.HISTORY_TABLE;

    @TempDir
    Path tmp;

    private SQLiteDataSource sqlite(String name) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + tmp.resolve(name));
        return ds;
    }

    private static void exec(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void aCurrentSchemaIsAnsweredWithoutFlywayWithFlywaysVersion() throws Exception {
        SQLiteDataSource ds = sqlite("current.db");
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).as("no history table yet").isEmpty();
        assertThat(Migrations.apply(ds, Dialect.SQLITE)).isEqualTo(5);
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).hasValue(5);
        assertThat(SchemaMigrations.migrate(ds, SQLITE, HISTORY, null)).as("Flyway agrees").isEqualTo(5);
        try (PgDatabase pg = new PgDatabase("fp4_")) {
            PGSimpleDataSource pds = new PGSimpleDataSource();
            pds.setURL(pg.url());
            pds.setUser(PgDatabase.USER);
            assertThat(SchemaMigrations.upToDate(pds, "db/heartbeat/postgres", HISTORY)).isEmpty();
            assertThat(Migrations.apply(pds, Dialect.POSTGRES)).isEqualTo(5);
            assertThat(SchemaMigrations.upToDate(pds, "db/heartbeat/postgres", HISTORY)).hasValue(5);
            // the orchestrator's schema beside it, in its own history
            assertThat(SchemaMigrations.upToDate(pds, "db/orchestrator", "orchestrator_schema_history")).isEmpty();
            int orchestrator = SchemaMigrations.apply(pds, "db/orchestrator", "orchestrator_schema_history", null);
            assertThat(orchestrator).as("the folder's newest version").isEqualTo(newestOrchestratorMigration());
            assertThat(SchemaMigrations.upToDate(pds, "db/orchestrator", "orchestrator_schema_history")).hasValue(orchestrator);
        }
    }

    @Test
    void aMissingMigrationGoesToFlywayWhichAppliesIt() throws Exception {
        SQLiteDataSource ds = sqlite("missing.db");
        Migrations.apply(ds, Dialect.SQLITE);
        // as an agent of the version before V5 left it: V5 neither applied nor recorded
        exec(ds, "DELETE FROM " + HISTORY + " WHERE version = '5'");
        exec(ds, "ALTER TABLE alert_history DROP COLUMN folded");
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).isEmpty();
        assertThat(Migrations.apply(ds, Dialect.SQLITE)).isEqualTo(5);
        exec(ds, "SELECT folded FROM alert_history");
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).hasValue(5);
    }

    @Test
    void anEditedMigrationGoesToFlywayWhichStillRefusesIt() throws Exception {
        SQLiteDataSource ds = sqlite("edited.db");
        Migrations.apply(ds, Dialect.SQLITE);
        exec(ds, "UPDATE " + HISTORY + " SET checksum = checksum + 1 WHERE version = '3'");
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).isEmpty();
        assertThatThrownBy(() -> Migrations.apply(ds, Dialect.SQLITE)).isInstanceOf(SQLException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void aFailedOrUnknownRowGoesToFlyway() throws Exception {
        SQLiteDataSource failed = sqlite("failed.db");
        Migrations.apply(failed, Dialect.SQLITE);
        exec(failed, "UPDATE " + HISTORY + " SET success = 0 WHERE version = '5'");
        assertThat(SchemaMigrations.upToDate(failed, SQLITE, HISTORY)).isEmpty();

        SQLiteDataSource gone = sqlite("gone.db");
        Migrations.apply(gone, Dialect.SQLITE);
        // applied here, below the folder's newest, but no such file: Flyway reports it as missing
        exec(gone, "INSERT INTO " + HISTORY + " (installed_rank, version, description, type, script, checksum, installed_by,"
                + " execution_time, success) VALUES (0, '0', 'gone', 'SQL', 'V0__gone.sql', 42, 'x', 0, 1)");
        assertThat(SchemaMigrations.upToDate(gone, SQLITE, HISTORY)).as("a V0 the folder does not have").isEmpty();
    }

    @Test
    void anotherAgentsNewerMigrationIsIgnoredAsFlywayDoes() throws Exception {
        SQLiteDataSource ds = sqlite("future.db");
        Migrations.apply(ds, Dialect.SQLITE);
        exec(ds, "INSERT INTO " + HISTORY + " (installed_rank, version, description, type, script, checksum, installed_by,"
                + " execution_time, success) VALUES (7, '6', 'newer', 'SQL', 'V6__newer.sql', 42, 'x', 0, 1)");
        OptionalInt quick = SchemaMigrations.upToDate(ds, SQLITE, HISTORY);
        assertThat(quick).hasValue(6);
        assertThat(SchemaMigrations.migrate(ds, SQLITE, HISTORY, null)).as("Flyway's answer").isEqualTo(quick.getAsInt());
    }

    @Test
    void aBaselinedDatabaseIsCurrentWithoutTheScriptsBelowItsBaseline() throws Exception {
        SQLiteDataSource ds = sqlite("baseline.db");
        exec(ds, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
        exec(ds, "INSERT INTO schema_version VALUES (1, 'x'), (2, 'x')");
        exec(ds, readScript("V1__agent_status.sql"));
        exec(ds, readScript("V2__alert_history.sql"));
        assertThat(Migrations.apply(ds, Dialect.SQLITE)).isEqualTo(5);
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT type FROM " + HISTORY + " WHERE version = '2'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("BASELINE");
        }
        assertThat(SchemaMigrations.upToDate(ds, SQLITE, HISTORY)).hasValue(5);
    }

    @Test
    void theMigrationsAreReadFromAJarAsShipped() throws Exception {
        SQLiteDataSource ds = sqlite("jar.db");
        Migrations.apply(ds, Dialect.SQLITE);
        // the folder in a jar (nervesys.jar), with a directory entry and a statement file beside the migrations
        Path jar = tmp.resolve("m.jar");
        try (var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(SQLITE + "/"));
            out.closeEntry();
            for (String name : new String[] {"V1__agent_status.sql", "V2__alert_history.sql", "V3__alert_silence.sql",
                    "V4__route_stats.sql", "V5__alert_history_folded.sql", "upsert-alert.sql"}) {
                out.putNextEntry(new java.util.jar.JarEntry(SQLITE + "/" + name));
                out.write(readScript(name).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            assertThat(loader.getResource(SQLITE).getProtocol()).isEqualTo("jar");
            assertThat(SchemaMigrations.upToDate(ds, loader, SQLITE, HISTORY)).hasValue(5);
            exec(ds, "DELETE FROM " + HISTORY + " WHERE version = '5'");
            assertThat(SchemaMigrations.upToDate(ds, loader, SQLITE, HISTORY)).isEmpty();
        }
    }

    @Test
    void theChecksumIsFlywaysForByteOrderMarksAndLineBreaks() throws Exception {
        for (String text : new String[] {"", "SELECT 1;", "\uFEFFCREATE TABLE t (a INT);\r\n-- é\r\n", "a\nb\n\nc", "x\ry"}) {
            int flyway = ChecksumCalculator.calculate(new StringResource(text));
            assertThat(SchemaMigrations.checksum(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))))
                    .as("%s", text).isEqualTo(flyway);
        }
    }

    /** The highest V<n> of db/orchestrator in the test class path (a folder of files here). */
    private static int newestOrchestratorMigration() throws Exception {
        Path folder = Path.of(SchemaMigrationsTest.class.getClassLoader().getResource("db/orchestrator").toURI());
        try (var files = java.nio.file.Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
        }
    }

    private static String readScript(String name) throws Exception {
        try (var in = SchemaMigrationsTest.class.getClassLoader().getResourceAsStream("db/heartbeat/sqlite/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
