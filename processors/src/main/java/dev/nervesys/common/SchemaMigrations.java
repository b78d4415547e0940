package dev.nervesys.common;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
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
        OptionalInt upToDate = upToDate(ds, location, historyTable);
        if (upToDate.isPresent()) {
            return upToDate.getAsInt();
        }
        return WithFlyway.apply(ds, location, historyTable, legacyTable);
    }

    /**
     * Flyway's part, in a class of its own: a method that catches FlywayException would load Flyway's
     * classes when SchemaMigrations is verified, before the check above has said whether it is needed.
     */
    private static final class WithFlyway {

        private WithFlyway() {
        }

        static int apply(DataSource ds, String location, String historyTable, String legacyTable) throws SQLException {
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

        static int migrate(DataSource ds, String location, String historyTable, String legacyTable) throws SQLException {
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
    }

    /** Flyway's migrate, and the version in force after it. */
    static int migrate(DataSource ds, String location, String historyTable, String legacyTable) throws SQLException {
        return WithFlyway.migrate(ds, location, historyTable, legacyTable);
    }

    /**
     * The schema version in force when nothing is left to do, read with plain JDBC so that an agent
     * whose schema is current does not load Flyway (some 420 classes, docs/benchmarks.md "Footprint");
     * empty when Flyway must run: the history table is absent, a migration of the folder is not in it
     * as applied with the same script name and checksum (Flyway's CRC32, computed the same way), it
     * holds a failed or unversioned row, or one that the folder does not have below its highest
     * version (Flyway would report it as missing), or the folder could not be listed. Anything
     * unusual goes to Flyway, which applies, validates and reports as before; only a history that
     * Flyway's validation would pass is answered here (rows above the folder's highest version are
     * other agents' newer migrations, which Flyway ignores too).
     */
    public static OptionalInt upToDate(DataSource ds, String location, String historyTable) {
        return upToDate(ds, SchemaMigrations.class.getClassLoader(), location, historyTable);
    }

    /** {@link #upToDate(DataSource, String, String)} with the migrations of the given class loader. */
    static OptionalInt upToDate(DataSource ds, ClassLoader loader, String location, String historyTable) {
        try {
            Map<Integer, Local> local = localMigrations(loader, location);
            if (local == null || local.isEmpty()) {
                return OptionalInt.empty();
            }
            int newest = Collections.max(local.keySet());
            try (Connection c = ds.getConnection()) {
                if (!hasTable(c, historyTable)) {
                    return OptionalInt.empty();
                }
                Map<Integer, Local> applied = new HashMap<>();
                int baseline = Integer.MIN_VALUE;
                int current = Integer.MIN_VALUE;
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT version, type, script, checksum, success FROM " + historyTable)) {
                    while (rs.next()) {
                        String version = rs.getString(1);
                        String type = rs.getString(2);
                        if (version == null) {
                            if ("SCHEMA".equals(type)) {
                                continue;
                            }
                            return OptionalInt.empty(); // repeatable or unknown: Flyway's business
                        }
                        if (!rs.getBoolean(5)) {
                            return OptionalInt.empty(); // a failed migration: Flyway reports it
                        }
                        int v = Integer.parseInt(version.trim());
                        current = Math.max(current, v);
                        if ("BASELINE".equals(type)) {
                            baseline = Math.max(baseline, v);
                        } else if ("SQL".equals(type)) {
                            int checksum = rs.getInt(4);
                            if (rs.wasNull() || applied.put(v, new Local(rs.getString(3), checksum)) != null) {
                                return OptionalInt.empty();
                            }
                        } else {
                            return OptionalInt.empty();
                        }
                    }
                }
                for (var e : local.entrySet()) {
                    if (e.getKey() > baseline && !e.getValue().equals(applied.get(e.getKey()))) {
                        return OptionalInt.empty(); // missing, or edited since it was applied
                    }
                }
                for (int v : applied.keySet()) {
                    if (v <= newest && (v <= baseline || !local.containsKey(v))) {
                        return OptionalInt.empty(); // applied here, gone from the folder
                    }
                }
                return current == Integer.MIN_VALUE ? OptionalInt.empty() : OptionalInt.of(current);
            }
        } catch (SQLException | IOException | RuntimeException e) {
            return OptionalInt.empty(); // Flyway will say what is wrong
        }
    }

    /** A migration as Flyway records it: its file name and the checksum of its text. */
    private record Local(String script, int checksum) {
    }

    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__[^/]*\\.sql");

    /** The folder's V<n>__*.sql by version; null when it cannot be listed (Flyway then runs). */
    private static Map<Integer, Local> localMigrations(ClassLoader loader, String location) throws IOException {
        String folder = location.endsWith("/") ? location : location + "/";
        Map<Integer, Local> found = new HashMap<>();
        List<URL> roots = Collections.list(loader.getResources(location));
        if (roots.isEmpty()) {
            return null;
        }
        for (URL root : roots) {
            List<String> names = new ArrayList<>();
            if ("file".equals(root.getProtocol())) {
                try (var files = Files.list(Path.of(URI.create(root.toString())))) {
                    files.forEach(f -> names.add(f.getFileName().toString()));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            } else if ("jar".equals(root.getProtocol())) {
                var connection = root.openConnection();
                if (!(connection instanceof JarURLConnection jar)) {
                    return null;
                }
                jar.setUseCaches(false);
                try (JarFile file = jar.getJarFile()) {
                    for (JarEntry e : Collections.list(file.entries())) {
                        String n = e.getName();
                        if (n.startsWith(folder) && n.indexOf('/', folder.length()) < 0 && n.length() > folder.length()) {
                            names.add(n.substring(folder.length()));
                        }
                    }
                }
            } else {
                return null;
            }
            for (String name : names) {
                if (!name.endsWith(".sql") || !name.startsWith("V")) {
                    continue; // statements beside the migrations; Flyway skips them too
                }
                Matcher m = VERSIONED.matcher(name);
                if (!m.matches()) {
                    return null; // a version Flyway reads differently (V1_1__, V1.1__): let it
                }
                int version = Integer.parseInt(m.group(1));
                try (InputStream in = loader.getResourceAsStream(folder + name)) {
                    if (in == null || found.put(version, new Local(name, checksum(in))) != null) {
                        return null;
                    }
                }
            }
        }
        return found;
    }

    /**
     * Flyway's checksum of a migration (its ChecksumCalculator): CRC32 of the UTF-8 bytes of each line
     * without its line break, a byte-order mark removed from the first.
     */
    static int checksum(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 4096)) {
            String line = r.readLine();
            if (line != null) {
                if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                do {
                    crc.update(line.getBytes(StandardCharsets.UTF_8));
                } while ((line = r.readLine()) != null);
            }
        }
        return (int) crc.getValue();
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
