package dev.nervesys.heartbeat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A database of its own on the local PostgreSQL (docker/services.sh), dropped after the test. */
public final class PgDatabase implements AutoCloseable {

    public static final String HOST = System.getProperty("nervesys.test.pgHost", "127.0.0.1");
    public static final int PORT = Integer.getInteger("nervesys.test.pgPort", 5432);
    public static final String USER = System.getProperty("nervesys.test.pgUser", "postgres");

    public final String name;

    public PgDatabase() throws SQLException {
        this("hb_");
    }

    /** With a name prefix of its own ({@code orch_} for the orchestrator's tests). */
    public PgDatabase(String prefix) throws SQLException {
        name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/postgres", USER, "");
    }

    /** JDBC URL of this database through another port (a proxy in front of PostgreSQL). */
    public String url(int port) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + name;
    }

    public String url() {
        return url(PORT);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), USER, "");
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
