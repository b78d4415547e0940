package dev.nervesys.common;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The one way a capability migrates its schema: Flyway, from {@code V<n>__<what>.sql} files in a
 * class-path folder of its own, with a history table of its own, so that several capabilities (the
 * heartbeat, the orchestrator) keep their schemas in one database. Flyway keeps checksums of what it
 * applied and, on PostgreSQL, serialises the agents or orchestrators that start together against
 * one database with an advisory lock.
 *
 * <p>What Flyway alone does not do, and this adds: a database that already holds other tables
 * (another capability's, another application's, or those of an earlier hand-written runner) starts
 * from a baseline (version 0, or the version that runner recorded in its own table); agents that
 * start together on such a database and race to baseline it wait for the one that does; and the
 * version returned is the one in force after the migration, whoever applied it.
 */
public final class SchemaMigrations {

    private SchemaMigrations() {
    }

    /**
     * Applies what is missing; returns the schema version now in force.
     *
     * @param location     class-path folder of the migrations ({@code db/heartbeat/postgres})
     * @param historyTable Flyway's history table for this schema
     * @param legacyTable  the table ({@code version INTEGER} column) of an earlier hand-written runner, or null
     */
    public static int apply(DataSource ds, String location, String historyTable, String legacyTable) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return migrate(ds, location, historyTable, legacyTable);
            } catch (FlywayException e) {
                // Agents starting together on a database that holds other tables: one creates the history
                // table and baselines it; another that looked before may find that table still empty.
                // Once the first has committed, the history is there and the second migrates nothing.
                if (attempt < 10 && String.valueOf(e.getMessage()).contains("already exists, and is empty")) {
                    pause(attempt);
                    continue;
                }
                // callers back off and retry on SQLException, as for any database error
                throw new SQLException("schema migration failed: " + e.getMessage(), e);
            }
        }
    }

    private static int migrate(DataSource ds, String location, String historyTable, String legacyTable) throws SQLException {
        var config = Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(ds)
                .locations("classpath:" + location)
                .table(historyTable)
                .loggers("slf4j"); // files in the folder that are not V<n>__ migrations (statements) are skipped
        try (Connection c = ds.getConnection()) {
            if (!hasTable(c, historyTable) && hasAnyTable(c)) {
                int legacy = legacyTable == null ? 0 : legacyVersion(c, legacyTable);
                config.baselineOnMigrate(true).baselineVersion(MigrationVersion.fromVersion(String.valueOf(legacy)))
                        .baselineDescription(legacy == 0 ? "before this schema" : legacyTable + " " + legacy + " of an earlier runner");
            }
        }
        Flyway flyway = config.load();
        flyway.migrate();
        // read after the migration: another agent may have applied some of it while this one waited
        // for Flyway's lock, and the migrate result only counts what this one applied
        MigrationInfo current = flyway.info().current();
        return current == null || current.getVersion() == null ? 0 : Integer.parseInt(current.getVersion().getVersion());
    }

    private static void pause(int attempt) throws SQLException {
        try {
            Thread.sleep(100L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for another agent's migration", e);
        }
    }

    /** The version an earlier hand-written runner left in its table; 0 when none. */
    private static int legacyVersion(Connection c, String table) throws SQLException {
        if (!hasTable(c, table)) {
            return 0;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + table)) {
            return rs.next() ? Math.max(0, rs.getInt(1)) : 0;
        }
    }

    private static boolean hasAnyTable(Connection c) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            return rs.next();
        }
    }

    private static boolean hasTable(Connection c, String name) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), name, new String[] {"TABLE"})) {
            return rs.next();
        }
    }
}
