package dev.nervesys.spi;

import java.sql.SQLException;
import org.apache.camel.Exchange;

/**
 * The database that heartbeats and the alert history share: PostgreSQL
 * ({@code nervesys.postgres.url}) or the agent's local SQLite file (docs/heartbeat.md). The
 * heartbeat capability owns it and binds it as bean {@code statusDatabase}, beside its data source
 * {@code heartbeatDataSource} for camel-sql; the alerts routes use both by these names. One
 * back-off for both writers on purpose: when the database is down, neither keeps knocking.
 */
public interface StatusDatabase {

    /** Which SQL of {@code db/heartbeat/} to run (compared as text in routes: {@code POSTGRES}, {@code SQLITE}). */
    Dialect dialect();

    /**
     * The one pool on this database (common's {@code StatusDatabasePool}): the web console reads
     * the fleet through it instead of opening a second pool to the same database.
     */
    javax.sql.DataSource dataSource();

    /** Migrates the schema (agent_status, alert_history) once; throws while the database is unreachable. */
    void ensureSchema() throws SQLException;

    /** True while backing off after a failure: callers skip database work. */
    boolean backingOff();

    /** Route step in doCatch: the write failed, back off. */
    void failed(Exchange ex);
}
