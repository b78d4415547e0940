package dev.nervesys.clickhouse;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the ClickHouse shipper (docs/clickhouse.md), read once at start. Credentials come from
 * the environment only ({@code NERVESYS_CLICKHOUSE_USER}, {@code NERVESYS_CLICKHOUSE_PASSWORD}).
 */
public record ClickHouseSettings(String url, String database, String user, String password, int batchRows,
        Duration flushInterval, Duration timeout, Duration backoffInitial, Duration backoffMax, Path deadLetterFile,
        Duration lateInsertWindow) {

    public static final Setting URL = Setting.text("nervesys.clickhouse.url", "", BEANS,
            "ClickHouse HTTP interface, e.g. http://127.0.0.1:8123 (empty = shipping off, the cursor holds no rows); "
                    + "credentials from the environment only: NERVESYS_CLICKHOUSE_USER, NERVESYS_CLICKHOUSE_PASSWORD");
    public static final Setting DATABASE = Setting.text("nervesys.clickhouse.database", "nervesys", BEANS,
            "database of the events, series and runs tables (created on start)");
    public static final Setting BATCH_ROWS = Setting.integer("nervesys.clickhouse.batchRows", "50000", "records", BEANS,
            "a batch is sent when this many records wait ...");
    public static final Setting FLUSH_INTERVAL = Setting.duration("nervesys.clickhouse.flushInterval", "1s", BEANS,
            "... or when the oldest waiting record is this old");
    public static final Setting MAX_BATCH_BYTES = Setting.bytes("nervesys.clickhouse.maxBatchBytes", "16MB", BEANS,
            "at most this many buffer bytes per batch (keeps the insert bodies bounded for wide records)");
    public static final Setting CHECK_EVERY = Setting.duration("nervesys.clickhouse.checkEvery", "100ms", ROUTES,
            "how often the shipper checks (route clickhouse-ship)")
            .renamedFrom("nervesys.clickhouse.checkEveryMs", "ms");
    public static final Setting TIMEOUT = Setting.duration("nervesys.clickhouse.timeout", "60s", BEANS,
            "HTTP request timeout of an insert or query");
    public static final Setting BACKOFF_INITIAL = Setting.duration("nervesys.clickhouse.backoffInitial", "1s", BEANS,
            "retry after a failure: doubling from backoffInitial ...");
    public static final Setting BACKOFF_MAX = Setting.duration("nervesys.clickhouse.backoffMax", "30s", BEANS,
            "... up to backoffMax");
    public static final Setting DEAD_LETTER_FILE = Setting.text("nervesys.clickhouse.deadLetterFile", "", BEANS,
            "SQLite file of rows ClickHouse refused (empty = <dataDir>/clickhouse/dead-letters.db)");
    public static final Setting LATE_INSERT_WINDOW = Setting.duration("nervesys.clickhouse.lateInsertWindow", "15m", BEANS,
            "a batch sent again after an attempt whose fate is unknown (a timeout, a crash) is watched this long for a late "
                    + "copy of that attempt, which is then removed; longer than any proxy's request timeout");

    /** The declarations of {@code nervesys.clickhouse.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "ClickHouse";
        }

        @Override
        public String page() {
            return "clickhouse.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(URL, DATABASE, BATCH_ROWS, FLUSH_INTERVAL, MAX_BATCH_BYTES, CHECK_EVERY, TIMEOUT,
                    BACKOFF_INITIAL, BACKOFF_MAX, DEAD_LETTER_FILE, LATE_INSERT_WINDOW);
        }
    }

    public static ClickHouseSettings from(AgentSettings s) {
        String url = s.get(URL).trim();
        return new ClickHouseSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                s.get(DATABASE),
                s.secret("NERVESYS_CLICKHOUSE_USER").orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_PASSWORD").orElse(null),
                s.getInt(BATCH_ROWS),
                s.getDuration(FLUSH_INTERVAL),
                s.getDuration(TIMEOUT),
                s.getDuration(BACKOFF_INITIAL),
                s.getDuration(BACKOFF_MAX),
                s.find(DEAD_LETTER_FILE).map(Path::of)
                        .orElse(s.dataDir().resolve("clickhouse").resolve("dead-letters.db")),
                s.getDuration(LATE_INSERT_WINDOW));
    }

    /**
     * How often a batch watched for a late copy is looked at: a tenth of the window, within 1 s..30 s,
     * so a copy lands in the tables for at most this long before it is removed.
     */
    public Duration lateInsertCheckEvery() {
        long ms = Math.max(1000, Math.min(30_000, lateInsertWindow.toMillis() / 10));
        return Duration.ofMillis(ms);
    }

    public boolean enabled() {
        return !url.isEmpty();
    }

    /** Shows where rows go without the credentials. */
    public String describe() {
        return enabled() ? url.replaceAll("//[^/@]*@", "//") + " database " + database : "off (nervesys.clickhouse.url empty)";
    }
}
