package dev.nervesys.snapshots;

import dev.nervesys.spi.AgentSettings;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

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

    public static SnapshotSettings from(AgentSettings s) {
        String time = s.get("nervesys.snapshots.backup.time", "03:00").trim();
        LocalTime backupTime;
        try {
            backupTime = LocalTime.parse(time);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("nervesys.snapshots.backup.time must be HH:mm (UTC), not '" + time + "'");
        }
        List<String> exclude = Arrays.stream(s.get("nervesys.snapshots.backup.exclude", "reports").split(","))
                .map(String::trim).filter(p -> !p.isEmpty()).toList();
        return new SnapshotSettings(
                s.getBoolean("nervesys.snapshots.enabled", true),
                s.getBoolean("nervesys.snapshots.backup.enabled", true),
                backupTime,
                exclude,
                s.getDuration("nervesys.snapshots.backoffInitial", Duration.ofSeconds(1)),
                s.getDuration("nervesys.snapshots.backoffMax", Duration.ofMinutes(5)));
    }

    /** Wait after the n-th failure in a row (n >= 1). */
    public Duration backoff(int failures) {
        long ms = Math.min(backoffMax.toMillis(), backoffInitial.toMillis() << Math.min(20, Math.max(0, failures - 1)));
        return Duration.ofMillis(ms);
    }
}
