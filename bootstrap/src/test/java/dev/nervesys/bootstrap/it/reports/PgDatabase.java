package dev.nervesys.bootstrap.it.reports;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/** A PostgreSQL database of the test's own on 127.0.0.1:5432 (user postgres, trust auth), dropped at close. */
public final class PgDatabase implements AutoCloseable {

    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres";
    public final String name = "rpe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    public final String url = "jdbc:postgresql://127.0.0.1:5432/" + name;

    public PgDatabase() throws Exception {
        try (Connection c = DriverManager.getConnection(ADMIN, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    public Connection connect() throws Exception {
        return DriverManager.getConnection(url, "postgres", "");
    }

    @Override
    public void close() throws Exception {
        try (Connection c = DriverManager.getConnection(ADMIN, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
