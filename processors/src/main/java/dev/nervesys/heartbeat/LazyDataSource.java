package dev.nervesys.heartbeat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.spi.Dialect;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Bean {@code heartbeatDataSource}: a HikariCP pool created on first use, because bean providers
 * must not start threads (Hikari's housekeeper) and validation contexts build the beans without
 * ever using them. The pool never fails to start when the database is down
 * ({@code initializationFailTimeout=-1}); a call waits at most {@code connectionTimeout}.
 */
public final class LazyDataSource implements DataSource, AutoCloseable {

    private final HikariConfig config;
    private final Dialect dialect;
    private volatile HikariDataSource pool;
    private boolean closed;

    public LazyDataSource(HikariConfig config, Dialect dialect) {
        this.config = config;
        this.dialect = dialect;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The JDBC URL without credentials (they never are in it: they come from the environment). */
    public String url() {
        return config.getJdbcUrl();
    }

    private HikariDataSource pool() throws SQLException {
        HikariDataSource p = pool;
        if (p == null) {
            synchronized (this) {
                if (closed) {
                    throw new SQLException("heartbeat data source closed");
                }
                if (pool == null) {
                    pool = new HikariDataSource(config);
                }
                p = pool;
            }
        }
        return p;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return pool().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("credentials come from the environment");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return pool().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (pool != null) {
            pool.close();
        }
    }
}
