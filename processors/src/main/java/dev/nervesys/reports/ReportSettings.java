package dev.nervesys.reports;

import dev.nervesys.spi.AgentSettings;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The reports' settings ({@code nervesys.reports.*}, docs/reports.md), read once at start. The
 * Drive credentials come from the environment only: {@code NERVESYS_DRIVE_SERVICE_ACCOUNT_KEY}
 * (the key JSON itself), or {@code NERVESYS_DRIVE_CLIENT_ID}, {@code NERVESYS_DRIVE_CLIENT_SECRET}
 * and {@code NERVESYS_DRIVE_REFRESH_TOKEN}. Without either, reports stay in the local folder.
 */
public record ReportSettings(ZoneId zone, String sourceUrl, String sourceUser, String sourcePassword, String table,
                             Path localDir, boolean keepLocal, int pdfMaxAgents, String dailyFolder, String weeklyFolder,
                             String alertsFolder, Drive drive, String clickhouseUrl, String clickhouseUser,
                             String clickhousePassword, String clickhouseQuery, long alertsMinIntervalSeconds,
                             long retryEveryMillis) {

    /** Drive access; {@link #configured()} is false when no credentials are in the environment. */
    public record Drive(String rootUrl, String tokenUrl, String rootFolderId, String topFolder, String scopes,
                        String applicationName, long multipartMaxBytes, long chunkBytes,
                        String serviceAccountKey, String clientId, String clientSecret, String refreshToken) {

        public boolean configured() {
            return serviceAccountKey != null || (clientId != null && clientSecret != null && refreshToken != null);
        }

        @Override
        public String toString() {
            return "Drive[" + rootUrl + ", folder " + topFolder + ", " + (serviceAccountKey != null ? "service account"
                    : refreshToken != null ? "refresh token" : "no credentials") + "]";
        }
    }

    public static ReportSettings from(AgentSettings s) {
        String zone = s.get("nervesys.reports.timeZone", "");
        Path dataDir = s.dataDir();
        String url = s.find("nervesys.reports.source.url")
                .or(() -> s.find("nervesys.postgres.url"))
                .orElse("jdbc:sqlite:" + dataDir.resolve("heartbeat").resolve("heartbeat.db").toAbsolutePath());
        Drive drive = new Drive(
                s.get("nervesys.reports.drive.rootUrl", "https://www.googleapis.com/"),
                s.get("nervesys.reports.drive.tokenUrl", "https://oauth2.googleapis.com/token"),
                s.get("nervesys.reports.drive.rootFolderId", "root"),
                s.get("nervesys.reports.drive.folder", "OWAL AI Reports"),
                s.get("nervesys.reports.drive.scopes", "https://www.googleapis.com/auth/drive"),
                s.get("nervesys.reports.drive.applicationName", "nervesys"),
                s.getBytes("nervesys.reports.drive.multipartMaxBytes", 5L << 20),
                s.getBytes("nervesys.reports.drive.chunkBytes", 8L << 20),
                s.secret("NERVESYS_DRIVE_SERVICE_ACCOUNT_KEY").orElse(null),
                s.secret("NERVESYS_DRIVE_CLIENT_ID").orElse(null),
                s.secret("NERVESYS_DRIVE_CLIENT_SECRET").orElse(null),
                s.secret("NERVESYS_DRIVE_REFRESH_TOKEN").orElse(null));
        Optional<String> ch = s.find("nervesys.reports.clickhouse.url").or(() -> s.find("nervesys.clickhouse.url"));
        return new ReportSettings(zone.isBlank() ? java.time.ZoneOffset.UTC : ZoneId.of(zone.trim()), url,
                s.secret("NERVESYS_POSTGRES_USER").orElse(url.startsWith("jdbc:postgresql:") ? "postgres" : null),
                s.secret("NERVESYS_POSTGRES_PASSWORD").orElse(null),
                s.get("nervesys.reports.source.table", "agent_status"),
                s.find("nervesys.reports.localDir").map(Path::of).orElse(dataDir.resolve("reports")),
                s.getBoolean("nervesys.reports.keepLocal", true),
                s.getInt("nervesys.reports.pdf.maxAgents", 60),
                s.get("nervesys.reports.dailyFolder", "Daily"),
                s.get("nervesys.reports.weeklyFolder", "Weekly"),
                s.get("nervesys.reports.alertsFolder", "Alerts"),
                drive, ch.orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_USER").orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_PASSWORD").orElse(null),
                s.get("nervesys.reports.clickhouse.query", ClickHouseRuns.DEFAULT_QUERY),
                s.getDuration("nervesys.reports.alerts.minInterval", java.time.Duration.ofMinutes(15)).toSeconds(),
                s.getLong("nervesys.reports.retry.everyMs", 300_000));
    }

    public String folderOf(ReportPeriod.Kind kind) {
        return switch (kind) {
            case DAILY -> dailyFolder;
            case WEEKLY -> weeklyFolder;
            case ALERTS -> alertsFolder;
        };
    }

    @Override
    public String toString() {
        return "ReportSettings[" + sourceUrl + ", " + localDir + ", " + drive + "]";
    }
}
