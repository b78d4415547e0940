package dev.nervesys.snapshots;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of snapshots and daily backups read by the bean at start (docs/snapshots.md). The
 * target is not here: it is the archiver's ({@link dev.nervesys.archive.ArchiveSettings}).
 *
 * @param enabled        upload a snapshot of every applied revision
 * @param backupEnabled  take the daily backup of the local state
 * @param backupTime     time of day (UTC) from which the day's backup is due
 * @param backupExclude  extra paths below the data dir left out of backups
 * @param backoffInitial first wait after a failed upload, doubling ...
 * @param backoffMax     ... up to this
 */
public record SnapshotSettings(boolean enabled, boolean backupEnabled, LocalTime backupTime, List<String> backupExclude,
                               Duration backoffInitial, Duration backoffMax) {

    public static final Setting ENABLED = Setting.flag("nervesys.snapshots.enabled", "true", BEANS,
            "a snapshot of every applied revision to configs/snapshots/<agent>/<revision>.tar.gz (false = none are taken)");
    public static final Setting CHECK_EVERY = Setting.duration("nervesys.snapshots.checkEvery", "5s", ROUTES,
            "how often queued snapshots are uploaded (route snapshots-upload) ...");
    public static final Setting FIRST_DELAY = Setting.duration("nervesys.snapshots.firstDelay", "1s", ROUTES,
            "... and the first time after start");
    public static final Setting BACKOFF_INITIAL = Setting.duration("nervesys.snapshots.backoffInitial", "1s", BEANS,
            "after a failed upload or backup, wait backoffInitial ...");
    public static final Setting BACKOFF_MAX = Setting.duration("nervesys.snapshots.backoffMax", "5m", BEANS,
            "... doubling up to backoffMax, and try again");
    public static final Setting BACKUP_ENABLED = Setting.flag("nervesys.snapshots.backup.enabled", "true", BEANS,
            "the daily backup of the local state to backups/daily/<agent>/<yyyy-MM-dd>.tar.gz (false = none)");
    public static final Setting BACKUP_TIME = Setting.text("nervesys.snapshots.backup.time", "03:00", BEANS,
            "time of day (UTC, HH:mm) from which the day's backup is due; at start, a missing one for today is taken at once");
    public static final Setting BACKUP_CHECK_EVERY = Setting.duration("nervesys.snapshots.backup.checkEvery", "1m", ROUTES,
            "how often route snapshots-backup checks whether the day's backup is due ...");
    public static final Setting BACKUP_FIRST_DELAY = Setting.duration("nervesys.snapshots.backup.firstDelay", "30s", ROUTES,
            "... and the first check after start");
    public static final Setting BACKUP_EXCLUDE = Setting.text("nervesys.snapshots.backup.exclude", "reports", BEANS,
            "paths below the data dir left out of backups, comma-separated (always left out: buffer/, the archive folders, "
                    + "config-repo.git/, snapshots/, agent.lock, state/console-users.properties, enrollment/, orchestrator/)");

    /** The declarations of {@code nervesys.snapshots.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Snapshots and daily backups";
        }

        @Override
        public String page() {
            return "snapshots.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(ENABLED, CHECK_EVERY, FIRST_DELAY, BACKOFF_INITIAL, BACKOFF_MAX, BACKUP_ENABLED, BACKUP_TIME,
                    BACKUP_CHECK_EVERY, BACKUP_FIRST_DELAY, BACKUP_EXCLUDE);
        }
    }

    public static SnapshotSettings from(AgentSettings s) {
        String time = s.get(BACKUP_TIME).trim();
        LocalTime backupTime;
        try {
            backupTime = LocalTime.parse(time);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("nervesys.snapshots.backup.time must be HH:mm (UTC), not '" + time + "'");
        }
        List<String> exclude = Arrays.stream(s.get(BACKUP_EXCLUDE).split(","))
                .map(String::trim).filter(p -> !p.isEmpty()).toList();
        return new SnapshotSettings(
                s.getBoolean(ENABLED),
                s.getBoolean(BACKUP_ENABLED),
                backupTime,
                exclude,
                s.getDuration(BACKOFF_INITIAL),
                s.getDuration(BACKOFF_MAX));
    }
}
