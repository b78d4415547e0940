package dev.nervesys.heartbeat;

import dev.nervesys.spi.Dialect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The heartbeat database's schema (tables {@code agent_status} and {@code alert_history}), migrated
 * by Flyway from {@code db/heartbeat/<dialect>/V<n>__<what>.sql} on the class path. Flyway keeps
 * checksums of what it applied in {@code heartbeat_schema_history} (its own name, so other
 * capabilities can keep their own history in the same database) and, on PostgreSQL, serialises the
 * agents of a fleet that start together against one database with an advisory lock.
 *
 * <p>A database migrated by the hand-written runner of earlier versions has a {@code schema_version}
 * table (one row per applied script) and no Flyway history: it is baselined at its highest version,
 * so nothing is applied twice; {@code schema_version} stays as it was and is no longer written.
 */
public final class Migrations {

    /** Flyway's history table for this schema. */
    public static final String HISTORY_TABLE = "heartbeat_schema_history";
    private static final String LEGACY_TABLE = "schema_version";

    private Migrations() {
    }

    /** Applies what is missing; returns the schema version now in force. */
    public static int apply(DataSource ds, Dialect dialect) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return migrate(ds, dialect);
            } catch (FlywayException e) {
                // Agents starting together on a database that holds other tables: one creates the history
                // table and baselines it; another that looked before may find that table still empty.
                // Once the first has committed, the history is there and the second migrates nothing.
                if (attempt < 10 && String.valueOf(e.getMessage()).contains("already exists, and is empty")) {
                    pause(attempt);
                    continue;
                }
                // callers back off and retry on SQLException, as for any database error
                throw new SQLException("heartbeat schema migration failed: " + e.getMessage(), e);
            }
        }
    }

    private static int migrate(DataSource ds, Dialect dialect) throws SQLException {
        var config = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(ds)
                .locations("classpath:db/heartbeat/" + dialect.folder())
                .table(HISTORY_TABLE)
                .loggers("slf4j"); // the statement files beside the migrations (insert-agent-status.sql) are skipped
        // A database that holds other tables (another capability's, another application's) is not
        // empty to Flyway: without its own history it starts from a baseline, version 0 (everything
        // applies) or the version an earlier runner recorded.
        try (Connection c = ds.getConnection()) {
            if (!hasTable(c, HISTORY_TABLE) && hasAnyTable(c)) {
                int legacy = legacyVersion(c);
                config.baselineOnMigrate(true).baselineVersion(MigrationVersion.fromVersion(String.valueOf(legacy)))
                        .baselineDescription(legacy == 0 ? "before the heartbeat schema" : "schema_version " + legacy + " of an earlier runner");
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

    /** The version an earlier hand-written runner left in {@code schema_version}; 0 when none. */
    private static int legacyVersion(Connection c) throws SQLException {
        if (!hasTable(c, LEGACY_TABLE)) {
            return 0;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + LEGACY_TABLE)) {
            return rs.next() ? Math.max(0, rs.getInt(1)) : 0;
        }
    }

    private static boolean hasAnyTable(Connection c) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            return rs.next();
        }
    }

    private static boolean hasTable(Connection c, String name) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, c.getSchema(), name, new String[] {"TABLE"})) {
            return rs.next();
        }
    }
}
