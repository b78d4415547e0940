package dev.nervesys.reports;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import dev.nervesys.spi.StatusDatabaseLocation;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

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

    public static final Setting TIME_ZONE = Setting.text("nervesys.reports.timeZone", "UTC", BEANS,
            "time zone of the schedule and of the report's day and week (empty = UTC); the quartz routes take it "
                    + "from the bean, so schedule and files agree until a restart");
    public static final Setting DAILY_CRON = Setting.text("nervesys.reports.daily.cron", "0 55 23 * * ?", ROUTES,
            "quartz cron of the daily report (sec min hour day month weekday)");
    public static final Setting WEEKLY_CRON = Setting.text("nervesys.reports.weekly.cron", "0 55 23 ? * SUN", ROUTES,
            "quartz cron of the weekly report");
    public static final Setting SOURCE_URL = Setting.text("nervesys.reports.source.url", "", BEANS,
            "JDBC URL of the heartbeat table; empty = the heartbeat's database (nervesys.postgres.url, else "
                    + "nervesys.heartbeat.sqliteFile, else <dataDir>/heartbeat/heartbeat.db); "
                    + "PostgreSQL credentials: NERVESYS_POSTGRES_USER / NERVESYS_POSTGRES_PASSWORD (environment)");
    public static final Setting SOURCE_TABLE = Setting.text("nervesys.reports.source.table", "agent_status", BEANS,
            "the heartbeat table");
    public static final Setting LOCAL_DIR = Setting.text("nervesys.reports.localDir", "", BEANS,
            "local report folder, also where files wait for Drive (empty = <dataDir>/reports)");
    public static final Setting KEEP_LOCAL = Setting.flag("nervesys.reports.keepLocal", "true", BEANS,
            "keep the local copy after a successful Drive upload");
    public static final Setting PDF_MAX_AGENTS = Setting.integer("nervesys.reports.pdf.maxAgents", "60", "agents", BEANS,
            "agents listed in the PDF (worst first); the workbook and the CSV list all of them");
    public static final Setting DAILY_FOLDER = Setting.text("nervesys.reports.dailyFolder", "Daily", BEANS,
            "folder of daily reports, locally and under the Drive folder nervesys.reports.drive.folder");
    public static final Setting WEEKLY_FOLDER = Setting.text("nervesys.reports.weeklyFolder", "Weekly", BEANS,
            "folder of weekly reports");
    public static final Setting ALERTS_FOLDER = Setting.text("nervesys.reports.alertsFolder", "Alerts", BEANS,
            "folder of alerts reports");
    public static final Setting ALERTS_ENABLED = Setting.flag("nervesys.reports.alerts.enabled", "false", ROUTES,
            "an alerts report as soon as a heartbeat turns critical (route report-critical-watch)");
    public static final Setting ALERTS_CHECK_EVERY = Setting.duration("nervesys.reports.alerts.checkEvery", "60s", ROUTES,
            "how often route report-critical-watch looks for a critical heartbeat")
            .renamedFrom("nervesys.reports.alerts.checkEveryMs", "ms");
    public static final Setting ALERTS_MIN_INTERVAL = Setting.duration("nervesys.reports.alerts.minInterval", "15m", BEANS,
            "at most one alerts report per this interval");
    public static final Setting DRIVE_FOLDER = Setting.text("nervesys.reports.drive.folder", "OWAL AI Reports", BEANS,
            "Drive: top folder of the reports");
    public static final Setting DRIVE_ROOT_FOLDER_ID = Setting.text("nervesys.reports.drive.rootFolderId", "root", BEANS,
            "Drive: the folder the top folder is created in (root = My Drive)");
    public static final Setting DRIVE_ROOT_URL = Setting.text("nervesys.reports.drive.rootUrl", "https://www.googleapis.com/",
            BEANS, "Drive: API URL");
    public static final Setting DRIVE_TOKEN_URL = Setting.text("nervesys.reports.drive.tokenUrl",
            "https://oauth2.googleapis.com/token", BEANS, "Drive: OAuth token URL");
    public static final Setting DRIVE_SCOPES = Setting.text("nervesys.reports.drive.scopes",
            "https://www.googleapis.com/auth/drive", BEANS, "Drive: OAuth scopes");
    public static final Setting DRIVE_APPLICATION_NAME = Setting.text("nervesys.reports.drive.applicationName", "nervesys",
            BEANS, "Drive: application name sent to the API");
    public static final Setting DRIVE_MULTIPART_MAX_BYTES = Setting.bytes("nervesys.reports.drive.multipartMaxBytes", "5MB",
            BEANS, "files up to this size go in one multipart request ...");
    public static final Setting DRIVE_CHUNK_BYTES = Setting.bytes("nervesys.reports.drive.chunkBytes", "8MB", BEANS,
            "... larger ones as resumable uploads in chunks of this size");
    public static final Setting RETRY_MAX_REDELIVERIES = Setting.integer("nervesys.reports.retry.maxRedeliveries", "3",
            "redeliveries", ROUTES, "a failed upload is redelivered this many times ...");
    public static final Setting RETRY_DELAY = Setting.duration("nervesys.reports.retry.delay", "2s", ROUTES,
            "... first after this delay ...").renamedFrom("nervesys.reports.retry.delayMs", "ms");
    public static final Setting RETRY_MAX_DELAY = Setting.duration("nervesys.reports.retry.maxDelay", "60s", ROUTES,
            "... doubling up to this, then reported to alertUri and kept pending")
            .renamedFrom("nervesys.reports.retry.maxDelayMs", "ms");
    public static final Setting RETRY_EVERY = Setting.duration("nervesys.reports.retry.every", "5m", BEANS,
            "pending files are retried this often (route report-upload-retry takes it from the bean)")
            .renamedFrom("nervesys.reports.retry.everyMs", "ms");
    public static final Setting ALERT_URI = Setting.text("nervesys.reports.alertUri", "bean:alerts?method=external", ROUTES,
            "where an upload failure is sent (a Camel endpoint URI; the body is the alert text, headers "
                    + "NervesysAlertRule=report-upload-failed, NervesysAlertLevel=critical, NervesysAlertReason); "
                    + "the default is the alerts capability (docs/alerts.md)");
    public static final Setting CLICKHOUSE_URL = Setting.text("nervesys.reports.clickhouse.url", "", BEANS,
            "runs from ClickHouse (empty = nervesys.clickhouse.url; neither = no runs section)");
    public static final Setting CLICKHOUSE_QUERY = Setting.text("nervesys.reports.clickhouse.query", ClickHouseRuns.DEFAULT_QUERY,
            BEANS, "the runs query; {from}/{to} = epoch seconds");

    /** The declarations of {@code nervesys.reports.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Reports";
        }

        @Override
        public String page() {
            return "reports.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(TIME_ZONE, DAILY_CRON, WEEKLY_CRON, SOURCE_URL, SOURCE_TABLE, LOCAL_DIR, KEEP_LOCAL, PDF_MAX_AGENTS,
                    DAILY_FOLDER, WEEKLY_FOLDER, ALERTS_FOLDER, ALERTS_ENABLED, ALERTS_CHECK_EVERY, ALERTS_MIN_INTERVAL,
                    DRIVE_FOLDER, DRIVE_ROOT_FOLDER_ID, DRIVE_ROOT_URL, DRIVE_TOKEN_URL, DRIVE_SCOPES, DRIVE_APPLICATION_NAME,
                    DRIVE_MULTIPART_MAX_BYTES, DRIVE_CHUNK_BYTES, RETRY_MAX_REDELIVERIES, RETRY_DELAY, RETRY_MAX_DELAY,
                    RETRY_EVERY, ALERT_URI, CLICKHOUSE_URL, CLICKHOUSE_QUERY);
        }
    }

    public static ReportSettings from(AgentSettings s) {
        String zone = s.get(TIME_ZONE);
        Path dataDir = s.dataDir();
        // the heartbeat's database, as the heartbeat resolves it, unless reports are pointed elsewhere
        String url = s.find(SOURCE_URL).map(u -> StatusDatabaseLocation.jdbcUrl(u.trim()))
                .orElseGet(() -> StatusDatabaseLocation.of(s).jdbcUrl());
        Drive drive = new Drive(
                s.get(DRIVE_ROOT_URL),
                s.get(DRIVE_TOKEN_URL),
                s.get(DRIVE_ROOT_FOLDER_ID),
                s.get(DRIVE_FOLDER),
                s.get(DRIVE_SCOPES),
                s.get(DRIVE_APPLICATION_NAME),
                s.getBytes(DRIVE_MULTIPART_MAX_BYTES),
                s.getBytes(DRIVE_CHUNK_BYTES),
                s.secret("NERVESYS_DRIVE_SERVICE_ACCOUNT_KEY").orElse(null),
                s.secret("NERVESYS_DRIVE_CLIENT_ID").orElse(null),
                s.secret("NERVESYS_DRIVE_CLIENT_SECRET").orElse(null),
                s.secret("NERVESYS_DRIVE_REFRESH_TOKEN").orElse(null));
        Optional<String> ch = s.find(CLICKHOUSE_URL).or(() -> s.find("nervesys.clickhouse.url"));
        return new ReportSettings(zone.isBlank() ? java.time.ZoneOffset.UTC : ZoneId.of(zone.trim()).normalized(), url,
                s.secret("NERVESYS_POSTGRES_USER").orElse(url.startsWith("jdbc:postgresql:") ? "postgres" : null),
                s.secret("NERVESYS_POSTGRES_PASSWORD").orElse(null),
                s.get(SOURCE_TABLE),
                s.find(LOCAL_DIR).map(Path::of).orElse(dataDir.resolve("reports")),
                s.getBoolean(KEEP_LOCAL),
                s.getInt(PDF_MAX_AGENTS),
                s.get(DAILY_FOLDER),
                s.get(WEEKLY_FOLDER),
                s.get(ALERTS_FOLDER),
                drive, ch.orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_USER").orElse(null),
                s.secret("NERVESYS_CLICKHOUSE_PASSWORD").orElse(null),
                s.get(CLICKHOUSE_QUERY),
                s.getDuration(ALERTS_MIN_INTERVAL).toSeconds(),
                s.getDuration(RETRY_EVERY).toMillis());
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
