package dev.nervesys.heartbeat;

import dev.nervesys.common.SchemaMigrations;
import dev.nervesys.spi.Dialect;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The heartbeat database's schema (tables {@code agent_status}, {@code alert_history},
 * {@code alert_silence}), migrated by Flyway ({@link SchemaMigrations}) from
 * {@code db/heartbeat/<dialect>/V<n>__<what>.sql}, with its history in {@value #HISTORY_TABLE}.
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
        try {
            return SchemaMigrations.apply(ds, "db/heartbeat/" + dialect.folder(), HISTORY_TABLE, LEGACY_TABLE);
        } catch (SQLException e) {
            throw new SQLException("heartbeat " + e.getMessage(), e.getCause());
        }
    }
}
