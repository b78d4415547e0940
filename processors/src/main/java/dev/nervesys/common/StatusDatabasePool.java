package dev.nervesys.common;

import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Dialect;
import dev.nervesys.spi.StatusDatabaseLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * The one pool on the status database ({@link StatusDatabaseLocation}: the fleet's PostgreSQL or
 * the agent's SQLite file). The heartbeat makes it and binds it (bean {@code heartbeatDataSource},
 * reachable through spi's {@code StatusDatabase}); the console and the alerts commands use that
 * one rather than a second pool to the same database.
 *
 * <p>Made with HikariCP's no-argument constructor, so it starts on the first
 * {@code getConnection()}: bean providers must not start threads (Hikari's housekeeper), and
 * validation contexts build the beans without ever using them. It never fails to start while the
 * database is down ({@code initializationFailTimeout=-1}); a call waits at most
 * {@code connectTimeout}. Credentials come from the environment (NERVESYS_POSTGRES_USER /
 * NERVESYS_POSTGRES_PASSWORD), never from the URL.
 */
public final class StatusDatabasePool {

    private StatusDatabasePool() {
    }

    /** A pool on {@code db}; {@code poolSize}, timeouts and application name apply to PostgreSQL (SQLite: one connection). */
    public static HikariDataSource open(AgentSettings s, StatusDatabaseLocation db, String poolName, int poolSize,
                                        Duration connectTimeout, Duration socketTimeout) {
        HikariDataSource c = new HikariDataSource();
        c.setPoolName(poolName);
        c.setInitializationFailTimeout(-1);
        c.setJdbcUrl(db.jdbcUrl());
        if (db.dialect() == Dialect.POSTGRES) {
            s.secret("NERVESYS_POSTGRES_USER").ifPresent(c::setUsername);
            s.secret("NERVESYS_POSTGRES_PASSWORD").ifPresent(c::setPassword);
            c.setConnectionTimeout(Math.max(250, connectTimeout.toMillis()));
            c.setMaximumPoolSize(poolSize);
            c.setMinimumIdle(0);
            c.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, connectTimeout.toSeconds())));
            c.addDataSourceProperty("socketTimeout", String.valueOf(Math.max(1, socketTimeout.toSeconds())));
            c.addDataSourceProperty("ApplicationName", "nervesys-" + s.agentId());
            return c;
        }
        try {
            Files.createDirectories(db.sqliteFile().getParent());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + db.sqliteFile().getParent(), e);
        }
        c.setMaximumPoolSize(1);
        c.setConnectionTimeout(30_000);
        return c;
    }
}
