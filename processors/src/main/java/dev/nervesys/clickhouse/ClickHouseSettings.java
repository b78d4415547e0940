package dev.nervesys.clickhouse;

import dev.nervesys.spi.AgentSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the ClickHouse shipper (docs/clickhouse.md), read once at start. Credentials come from
 * the environment only ({@code NERVESYS_CLICKHOUSE_USER}, {@code NERVESYS_CLICKHOUSE_PASSWORD}).
 */
public record ClickHouseSettings(String url, String database, String user, String password, int batchRows,
        Duration flushInterval, Duration timeout, Duration backoffInitial, Duration backoffMax, Path deadLetterFile,
        Duration lateInsertWindow) {

    public static ClickHouseSettings from(AgentSettings s) {
        String url = s.get("nervesys.clickhouse.url", "").trim();
        return new ClickHouseSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                s.get("nervesys.clickhouse.database", "nervesys"),
                s.secret("NERVESYS_CLICKHOUSE_USER").orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_PASSWORD").orElse(null),
                s.getInt("nervesys.clickhouse.batchRows", 50_000),
                s.getDuration("nervesys.clickhouse.flushInterval", Duration.ofSeconds(1)),
                s.getDuration("nervesys.clickhouse.timeout", Duration.ofSeconds(60)),
                s.getDuration("nervesys.clickhouse.backoffInitial", Duration.ofSeconds(1)),
                s.getDuration("nervesys.clickhouse.backoffMax", Duration.ofSeconds(30)),
                s.find("nervesys.clickhouse.deadLetterFile").map(Path::of)
                        .orElse(s.dataDir().resolve("clickhouse").resolve("dead-letters.db")),
                s.getDuration("nervesys.clickhouse.lateInsertWindow", Duration.ofMinutes(15)));
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
