package dev.nervesys.snapshots;

import dev.nervesys.common.Backoff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily backup of the local state, for bean {@code snapshots}. The day's backup (UTC date) is
 * due from {@code nervesys.snapshots.backup.time}, or at the first check after start when the store
 * has none for today: a restarted agent makes up for a missed day, while an agent started on a wiped
 * or restored data dir does not overwrite a good backup of today. The last one taken is remembered
 * in {@code <dataDir>/snapshots/targets/<target>/last-backup} (one per target: a new target gets
 * today's backup at the next check). Failures back off exponentially and are retried
 * until the day's backup is stored.
 */
final class DailyBackups {

    private static final Logger LOG = LoggerFactory.getLogger(DailyBackups.class);

    private final SnapshotSettings cfg;
    private final SnapshotStore store;
    private final StateBackup backup;
    private final String agentId;
    private final String server;
    private final Clock clock;
    private final Path workDir;
    private final Path lastBackupFile;
    private volatile boolean loaded;

    private volatile LocalDate lastDate;
    private volatile Instant lastAt;
    private volatile String lastKey;
    private volatile int lastFiles = -1;
    private volatile long lastBytes = -1;
    private final Backoff backoff;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile long taken;
    private volatile long failuresTotal;
    private boolean startChecked;
    private LocalDate dueDate;

    DailyBackups(SnapshotSettings cfg, SnapshotStore store, StateBackup backup, Path snapshotsDir, Path markerDir,
                 String agentId, String server, Clock clock) {
        this.cfg = cfg;
        this.store = store;
        this.backup = backup;
        this.agentId = agentId;
        this.server = server;
        this.clock = clock;
        this.backoff = new Backoff(cfg.backoffInitial(), cfg.backoffMax(), clock);
        this.workDir = snapshotsDir.resolve("work");
        this.lastBackupFile = markerDir.resolve("last-backup");
    }

    /** Takes today's backup when it is due. Never throws: failures are counted and backed off. */
    synchronized void ifDue() {
        if (!cfg.backupEnabled()) {
            return;
        }
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        try {
            load();
            if (today.equals(lastDate) || backoff.waitingAt(clock.millis())) {
                return;
            }
            if (!today.equals(dueDate)) {
                if (!startChecked) {
                    String key = SnapshotKeys.backupKey(agentId, today);
                    boolean exists = store.exists(key);
                    startChecked = true;
                    if (exists) {
                        LOG.info("Today's backup {} exists already in {}", key, store.describe());
                        remember(today, null, key, -1, -1);
                        return;
                    }
                } else if (LocalTime.ofInstant(now, ZoneOffset.UTC).isBefore(cfg.backupTime())) {
                    return;
                }
                dueDate = today;
            }
            now(today);
        } catch (Exception e) {
            failuresTotal++;
            long delay = backoff.failed().toMillis();
            lastError = "daily backup failed (" + backoff.failures() + " in a row, next try in " + delay + " ms): "
                    + e.getClass().getSimpleName() + ": " + e.getMessage();
            lastErrorAt = clock.instant();
            LOG.warn(lastError);
        }
    }

    /** Takes the backup of {@code day} now, replacing an existing one; returns its key. */
    synchronized String now(LocalDate day) throws IOException {
        load();
        Instant now = clock.instant();
        String key = SnapshotKeys.backupKey(agentId, day);
        Path file = workDir.resolve("backup-" + day + SnapshotKeys.EXTENSION);
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("agent", agentId);
        about.put("server", server);
        about.put("date", day.toString());
        StateBackup.Written w = backup.write(file, workDir.resolve("scratch"), about, now);
        long size = Files.size(file);
        try {
            store.put(key, file);
        } finally {
            Files.deleteIfExists(file);
        }
        remember(day, now, key, w.files(), size);
        taken++;
        int failures = backoff.reset();
        if (failures > 0) {
            LOG.info("Daily backups work again after {} failure(s)", failures);
        }
        dueDate = null;
        lastError = null;
        lastErrorAt = null;
        LOG.info("Backup of the local state ({} files, {} of them SQLite, {} bytes compressed) stored in {} as {}",
                w.files(), w.sqliteFiles(), size, store.describe(), key);
        return key;
    }

    private void remember(LocalDate day, Instant at, String key, int files, long bytes) throws IOException {
        lastDate = day;
        lastAt = at;
        lastKey = key;
        lastFiles = files;
        lastBytes = bytes;
        Path tmp = lastBackupFile.resolveSibling("last-backup.tmp");
        Files.writeString(tmp, day + "\n" + (at == null ? "" : at) + "\n" + key + "\n" + files + "\n" + bytes + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, lastBackupFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Creates the work folder and reads what the last run left (once; never waits for a running backup after that). */
    void load() throws IOException {
        if (loaded) {
            return;
        }
        synchronized (this) {
            if (loaded) {
                return;
            }
            Files.createDirectories(workDir);
            Files.createDirectories(lastBackupFile.getParent());
            if (Files.exists(lastBackupFile)) {
                List<String> l = Files.readAllLines(lastBackupFile, StandardCharsets.UTF_8);
                try {
                    lastDate = LocalDate.parse(l.get(0).strip());
                    lastAt = l.size() > 1 && !l.get(1).isBlank() ? Instant.parse(l.get(1).strip()) : null;
                    lastKey = l.size() > 2 ? l.get(2).strip() : null;
                    lastFiles = l.size() > 3 ? Integer.parseInt(l.get(3).strip()) : -1;
                    lastBytes = l.size() > 4 ? Long.parseLong(l.get(4).strip()) : -1;
                } catch (RuntimeException e) {
                    LOG.warn("Ignoring unreadable {}: {}", lastBackupFile, e.getMessage());
                }
            }
            loaded = true;
        }
    }

    int failures() {
        return backoff.failures();
    }

    long taken() {
        return taken;
    }

    long failuresTotal() {
        return failuresTotal;
    }

    Instant failingSince() {
        return backoff.failingSince();
    }

    /** When the last backup was stored (its day's start when only the day is known), or null. */
    Instant lastSuccess() {
        return lastAt != null ? lastAt : lastDate == null ? null : lastDate.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    boolean enabled() {
        return cfg.backupEnabled();
    }

    String lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }

    void status(Map<String, Object> m) {
        m.put("backupEnabled", cfg.backupEnabled());
        m.put("backupTime", cfg.backupTime() + " UTC");
        m.put("lastBackupDate", lastDate == null ? null : lastDate.toString());
        m.put("lastBackupAt", lastAt == null ? null : lastAt.toString());
        m.put("lastBackupKey", lastKey);
        m.put("lastBackupFiles", lastFiles);
        m.put("lastBackupBytes", lastBytes);
        m.put("backupFailures", backoff.failures());
    }
}
