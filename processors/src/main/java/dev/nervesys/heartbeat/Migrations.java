package dev.nervesys.heartbeat;

import dev.nervesys.spi.Dialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Versioned schema migrations: {@code db/heartbeat/<dialect>/V001.sql}, {@code V002.sql}, ... on
 * the class path, applied in order, each in one transaction with its row in {@code schema_version}.
 * Applying them again does nothing. On PostgreSQL a transaction-scoped advisory lock serialises
 * agents of the fleet that start at the same time against one database.
 */
public final class Migrations {

    private static final long LOCK_KEY = 0x6e657276657379L; // "nervesy"

    private Migrations() {
    }

    /** The migration scripts of a dialect, in order. */
    public static List<String> scripts(Dialect dialect) {
        List<String> out = new ArrayList<>();
        for (int v = 1; ; v++) {
            String path = "db/heartbeat/" + dialect.folder() + "/V" + String.format("%03d", v) + ".sql";
            try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    return out;
                }
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + path, e);
            }
        }
    }

    /** Applies what is missing; returns the schema version now in force. */
    public static int apply(DataSource ds, Dialect dialect) throws SQLException {
        List<String> scripts = scripts(dialect);
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    if (dialect == Dialect.POSTGRES) {
                        s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                    }
                    s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                            + "applied_at TEXT NOT NULL)");
                }
                int current = 0;
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                    if (rs.next()) {
                        current = rs.getInt(1);
                    }
                }
                for (int v = current + 1; v <= scripts.size(); v++) {
                    try (Statement s = c.createStatement()) {
                        for (String stmt : statements(scripts.get(v - 1))) {
                            s.execute(stmt);
                        }
                    }
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")) {
                        p.setInt(1, v);
                        p.setString(2, java.time.Instant.now().toString());
                        p.executeUpdate();
                    }
                }
                c.commit();
                return Math.max(current, scripts.size());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** Splits a script on ';' at line ends; the scripts hold no procedural code. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : script.split("\n")) {
            String t = line.strip();
            if (t.startsWith("--") || t.isEmpty()) {
                continue;
            }
            cur.append(line).append('\n');
            if (t.endsWith(";")) {
                String stmt = cur.toString().strip();
                out.add(stmt.substring(0, stmt.length() - 1));
                cur.setLength(0);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().strip());
        }
        return out;
    }
}
