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
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

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
        var config = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(ds)
                .locations("classpath:db/heartbeat/" + dialect.folder())
                .table(HISTORY_TABLE)
                .loggers("slf4j"); // the statement files beside the migrations (insert-agent-status.sql) are skipped
        // A database that holds other tables (another capability's, another application's) is not
        // empty to Flyway: without its own history it starts from a baseline, version 0 (everything
        // applies) or the version an earlier runner recorded.
        int legacy = legacyVersion(ds).orElse(0);
        config.baselineOnMigrate(true).baselineVersion(MigrationVersion.fromVersion(String.valueOf(legacy)))
                .baselineDescription(legacy == 0 ? "before the heartbeat schema" : "schema_version " + legacy + " of an earlier runner");
        try {
            MigrateResult result = config.load().migrate();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            return version == null ? 0 : Integer.parseInt(version);
        } catch (FlywayException e) {
            // callers back off and retry on SQLException, as for any database error
            throw new SQLException("heartbeat schema migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * The version an earlier hand-written runner left in {@code schema_version}, when there is no
     * Flyway history yet.
     */
    private static java.util.OptionalInt legacyVersion(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (hasTable(c, HISTORY_TABLE) || !hasTable(c, LEGACY_TABLE)) {
                return java.util.OptionalInt.empty();
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + LEGACY_TABLE)) {
                return rs.next() && rs.getInt(1) > 0 ? java.util.OptionalInt.of(rs.getInt(1)) : java.util.OptionalInt.empty();
            }
        }
    }

    private static boolean hasTable(Connection c, String name) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, c.getSchema(), name, new String[] {"TABLE"})) {
            return rs.next();
        }
    }
}
