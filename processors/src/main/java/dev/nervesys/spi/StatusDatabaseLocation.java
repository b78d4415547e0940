package dev.nervesys.spi;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;

import java.nio.file.Path;

/**
 * Where the status database is: PostgreSQL when {@code nervesys.postgres.url} is set
 * ({@code jdbc:postgresql://}, {@code postgresql://} or {@code postgres://}), else the local SQLite
 * file {@code nervesys.heartbeat.sqliteFile} (empty = {@code <dataDir>/heartbeat/heartbeat.db}).
 * Worked out here only: the heartbeat writes where this says, and the reports (their default
 * source) and the {@code fleet} and {@code report} commands read where this says, so that a URL or
 * a file that works for heartbeats works for reports too. The two keys are declared here, since
 * spi cannot see the heartbeat's settings, and listed with the heartbeat's
 * ({@code HeartbeatSettings}, docs/heartbeat.md). Credentials are not part of the location: they
 * come from the environment ({@code NERVESYS_POSTGRES_USER}, {@code NERVESYS_POSTGRES_PASSWORD}).
 *
 * @param dialect    which of the two databases
 * @param jdbcUrl    its JDBC URL, without credentials
 * @param sqliteFile the absolute path of the SQLite file; null for PostgreSQL
 */
public record StatusDatabaseLocation(Dialect dialect, String jdbcUrl, Path sqliteFile) {

    public static final Setting POSTGRES_URL = Setting.text("nervesys.postgres.url", "", BEANS,
            "PostgreSQL of the fleet view (jdbc:postgresql://host:5432/db or postgresql://host:5432/db; credentials "
                    + "NERVESYS_POSTGRES_USER / NERVESYS_POSTGRES_PASSWORD from the environment); empty = local SQLite");
    public static final Setting SQLITE_FILE = Setting.text("nervesys.heartbeat.sqliteFile", "", BEANS,
            "local SQLite database when nervesys.postgres.url is empty (empty = <dataDir>/heartbeat/heartbeat.db)");

    /** The location these settings give. */
    public static StatusDatabaseLocation of(AgentSettings s) {
        String url = s.get(POSTGRES_URL).trim();
        if (!url.isEmpty()) {
            return new StatusDatabaseLocation(Dialect.POSTGRES, jdbcUrl(url), null);
        }
        Path file = s.find(SQLITE_FILE).map(Path::of).orElse(s.dataDir().resolve("heartbeat").resolve("heartbeat.db"))
                .toAbsolutePath();
        return new StatusDatabaseLocation(Dialect.SQLITE, "jdbc:sqlite:" + file, file);
    }

    /** The key the location comes from: {@code nervesys.postgres.url}, {@code nervesys.heartbeat.sqliteFile}, or null (the default). */
    public static String sourceKey(AgentSettings s) {
        return !s.get(POSTGRES_URL).isBlank() ? POSTGRES_URL.key() : s.find(SQLITE_FILE).isPresent() ? SQLITE_FILE.key() : null;
    }

    /** Accepts jdbc:postgresql://..., postgresql://... and postgres://... (without credentials). */
    public static String jdbcUrl(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        if (url.startsWith("postgres://")) {
            return "jdbc:postgresql://" + url.substring("postgres://".length());
        }
        return "jdbc:" + url;
    }
}
