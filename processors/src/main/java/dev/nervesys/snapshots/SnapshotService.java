package dev.nervesys.snapshots;

import dev.nervesys.spi.AppliedRevision;
import dev.nervesys.spi.RevisionListener;
import dev.nervesys.spi.StatusReporter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code snapshots} (docs/snapshots.md): a snapshot of every applied config revision, uploaded
 * once, and the daily backup of the agent's local state, both to the archiver's target.
 *
 * <p>{@link #applied} (called by the runtime on its config-sync thread) only writes the revision's
 * tar.gz to {@code <dataDir>/snapshots/pending/}: a reload never waits for the network and never
 * fails because of a snapshot. Route {@code snapshots-upload} calls {@link #uploadDue}, which
 * uploads the pending files oldest first, skipping any whose object exists already (HEAD), leaves
 * a marker in {@code snapshots/uploaded/} and backs off exponentially after a failure. Pending
 * files survive restarts; a revision with a marker is never queued again.
 *
 * <p>Route {@code snapshots-backup} calls {@link #backupIfDue}: the day's backup (UTC date) is due
 * from {@code nervesys.snapshots.backup.time}, or at once at start when the store has none for
 * today; the last one taken is remembered in {@code snapshots/last-backup}.
 */
public final class SnapshotService implements RevisionListener, StatusReporter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

    private final SnapshotSettings cfg;
    private final SnapshotStore store;
    private final StateBackup backup;
    private final String agentId;
    private final String server;
    private final Clock clock;
    private final AutoCloseable owned;
    private final Path pendingDir;
    private final Path uploadedDir;
    private final Path workDir;
    private final Path lastBackupFile;
    private final Object uploadLock = new Object();
    private final Object backupLock = new Object();
    private volatile boolean loaded;

    private volatile String lastSnapshotRevision;
    private volatile Instant lastSnapshotAt;
    private volatile String lastSnapshotKey;
    private volatile long uploads;
    private volatile long alreadyStored;
    private volatile int snapshotFailures;
    private volatile long nextUploadAt;

    private volatile LocalDate lastBackupDate;
    private volatile Instant lastBackupAt;
    private volatile String lastBackupKey;
    private volatile int lastBackupFiles = -1;
    private volatile long lastBackupBytes = -1;
    private volatile int backupFailures;
    private volatile long nextBackupAt;
    private volatile boolean startChecked;
    private volatile LocalDate dueDate;

    private volatile String lastError;
    private volatile Instant lastErrorAt;

    /**
     * @param owned closed with this bean: an S3 client created only for it (null when it uses the
     *              archiver's)
     */
    public SnapshotService(SnapshotSettings cfg, SnapshotStore store, StateBackup backup, Path dataDir, String agentId,
                           String server, Clock clock, AutoCloseable owned) {
        this.cfg = cfg;
        this.store = store;
        this.backup = backup;
        this.agentId = agentId;
        this.server = server;
        this.clock = clock;
        this.owned = owned;
        Path root = dataDir.toAbsolutePath().normalize().resolve("snapshots");
        this.pendingDir = root.resolve("pending");
        this.uploadedDir = root.resolve("uploaded");
        this.workDir = root.resolve("work");
        this.lastBackupFile = root.resolve("last-backup");
    }

    // ---- config snapshots -----------------------------------------------------------------

    /** Queues the revision's snapshot unless it was uploaded or queued before. Never throws. */
    @Override
    public void applied(AppliedRevision revision) {
        if (!cfg.enabled()) {
            return;
        }
        try {
            load();
            String name = SnapshotKeys.segment(revision.id());
            Path queued = pendingDir.resolve(name + SnapshotKeys.EXTENSION);
            if (Files.exists(uploadedDir.resolve(name)) || Files.exists(queued)) {
                return;
            }
            byte[] tgz = ConfigSnapshot.build(agentId, revision);
            Path tmp = pendingDir.resolve(name + ".tmp");
            Files.write(tmp, tgz);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, queued, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("Snapshot of revision {} queued ({} bytes) for {}", revision.id(), tgz.length,
                    SnapshotKeys.snapshotKey(agentId, revision.id()));
        } catch (Exception e) {
            error("cannot queue the snapshot of revision " + revision.id(), e);
        }
    }

    /** Uploads the pending snapshots, oldest first, unless backing off. Called by route snapshots-upload. */
    public void uploadDue() {
        if (!cfg.enabled()) {
            return;
        }
        synchronized (uploadLock) {
            if (clock.millis() < nextUploadAt) {
                return;
            }
            try {
                load();
                for (Path file : pending()) {
                    upload(file);
                }
                if (snapshotFailures > 0) {
                    LOG.info("Snapshot uploads work again after {} failure(s)", snapshotFailures);
                }
                snapshotFailures = 0;
                nextUploadAt = 0;
                clearErrorIfHealthy();
            } catch (Exception e) {
                snapshotFailures++;
                long delay = cfg.backoff(snapshotFailures).toMillis();
                nextUploadAt = clock.millis() + delay;
                error("snapshot upload failed (" + snapshotFailures + " in a row, next try in " + delay + " ms)", e);
            }
        }
    }

    private void upload(Path file) throws IOException {
        String fileName = file.getFileName().toString();
        String name = fileName.substring(0, fileName.length() - SnapshotKeys.EXTENSION.length());
        String key = SnapshotKeys.snapshotPrefix(agentId) + name + SnapshotKeys.EXTENSION;
        Object id = ConfigSnapshot.manifest(file).get("revision");
        String revision = id == null ? name : id.toString();
        boolean stored = store.exists(key);
        if (!stored) {
            store.put(key, file);
        }
        Instant now = clock.instant();
        Path marker = uploadedDir.resolve(name);
        Files.writeString(marker, key + "\n" + now + "\n" + revision + "\n", StandardCharsets.UTF_8);
        Files.delete(file);
        if (stored) {
            alreadyStored++;
            LOG.info("Snapshot of revision {} is in {} already ({}): not uploaded again", revision, store.describe(), key);
        } else {
            uploads++;
            LOG.info("Snapshot of revision {} uploaded to {} as {}", revision, store.describe(), key);
        }
        lastSnapshotRevision = revision;
        lastSnapshotAt = now;
        lastSnapshotKey = key;
    }

    /** Pending snapshot files, oldest first. */
    List<Path> pending() throws IOException {
        if (!Files.isDirectory(pendingDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(pendingDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(SnapshotKeys.EXTENSION))
                    .sorted(Comparator.comparing(SnapshotService::modified).thenComparing(Path::getFileName)).toList();
        }
    }

    private static Instant modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    // ---- daily backups --------------------------------------------------------------------

    /** Takes today's backup when it is due (see the class comment). Called by route snapshots-backup. */
    public void backupIfDue() {
        if (!cfg.backupEnabled()) {
            return;
        }
        synchronized (backupLock) {
            Instant now = clock.instant();
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            try {
                load();
                if (today.equals(lastBackupDate)) {
                    return;
                }
                if (!today.equals(dueDate)) {
                    if (!startChecked) {
                        // first check since start: a missing backup of today is taken at once, but
                        // one that exists (a wiped or restored data dir) is not overwritten
                        if (clock.millis() < nextBackupAt) {
                            return;
                        }
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
                if (clock.millis() < nextBackupAt) {
                    return;
                }
                backupNow(today);
            } catch (Exception e) {
                backupFailures++;
                long delay = cfg.backoff(backupFailures).toMillis();
                nextBackupAt = clock.millis() + delay;
                error("daily backup failed (" + backupFailures + " in a row, next try in " + delay + " ms)", e);
            }
        }
    }

    /** Takes the backup of {@code day} now, replacing an existing one; returns its key. */
    public String backupNow(LocalDate day) throws IOException {
        synchronized (backupLock) {
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
            if (backupFailures > 0) {
                LOG.info("Daily backups work again after {} failure(s)", backupFailures);
            }
            backupFailures = 0;
            nextBackupAt = 0;
            dueDate = null;
            clearErrorIfHealthy();
            LOG.info("Backup of the local state ({} files, {} of them SQLite, {} bytes compressed) stored in {} as {}",
                    w.files(), w.sqliteFiles(), size, store.describe(), key);
            return key;
        }
    }

    private void remember(LocalDate day, Instant at, String key, int files, long bytes) throws IOException {
        lastBackupDate = day;
        lastBackupAt = at;
        lastBackupKey = key;
        lastBackupFiles = files;
        lastBackupBytes = bytes;
        Files.createDirectories(lastBackupFile.getParent());
        Path tmp = lastBackupFile.resolveSibling("last-backup.tmp");
        Files.writeString(tmp, day + "\n" + (at == null ? "" : at) + "\n" + key + "\n" + files + "\n" + bytes + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, lastBackupFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- state on disk, status -------------------------------------------------------------

    /** Creates the folders and reads what the last run left (last backup, newest uploaded snapshot). */
    private void load() throws IOException {
        if (loaded) {
            return;
        }
        synchronized (this) {
            if (loaded) {
                return;
            }
            Files.createDirectories(pendingDir);
            Files.createDirectories(uploadedDir);
            Files.createDirectories(workDir);
            try (Stream<Path> s = Files.list(pendingDir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                    Files.deleteIfExists(p); // a crash while queueing: the revision is queued again when applied
                }
            }
            if (Files.exists(lastBackupFile)) {
                List<String> l = Files.readAllLines(lastBackupFile, StandardCharsets.UTF_8);
                try {
                    lastBackupDate = LocalDate.parse(l.get(0).strip());
                    lastBackupAt = l.size() > 1 && !l.get(1).isBlank() ? Instant.parse(l.get(1).strip()) : null;
                    lastBackupKey = l.size() > 2 ? l.get(2).strip() : null;
                    lastBackupFiles = l.size() > 3 ? Integer.parseInt(l.get(3).strip()) : -1;
                    lastBackupBytes = l.size() > 4 ? Long.parseLong(l.get(4).strip()) : -1;
                } catch (RuntimeException e) {
                    LOG.warn("Ignoring unreadable {}: {}", lastBackupFile, e.getMessage());
                }
            }
            try (Stream<Path> s = Files.list(uploadedDir)) {
                Path newest = s.max(Comparator.comparing(SnapshotService::modified)).orElse(null);
                if (newest != null) {
                    List<String> l = Files.readAllLines(newest, StandardCharsets.UTF_8);
                    if (l.size() >= 3) {
                        lastSnapshotKey = l.get(0);
                        lastSnapshotAt = Instant.parse(l.get(1));
                        lastSnapshotRevision = l.get(2);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("Ignoring an unreadable marker in {}: {}", uploadedDir, e.getMessage());
            }
            loaded = true;
        }
    }

    private void error(String what, Throwable e) {
        String message = what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
        lastError = message;
        lastErrorAt = clock.instant();
        LOG.warn(message);
    }

    private void clearErrorIfHealthy() {
        if (snapshotFailures == 0 && backupFailures == 0) {
            lastError = null;
            lastErrorAt = null;
        }
    }

    public int snapshotFailures() {
        return snapshotFailures;
    }

    public int backupFailures() {
        return backupFailures;
    }

    public String lastError() {
        return lastError;
    }

    public String target() {
        return store.describe();
    }

    @Override
    public String statusName() {
        return "snapshots";
    }

    @Override
    public Map<String, Object> status() {
        try {
            load();
        } catch (IOException e) {
            error("cannot read the snapshot state", e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", store.describe());
        m.put("enabled", cfg.enabled());
        int pending;
        try {
            pending = pending().size();
        } catch (IOException e) {
            pending = -1;
        }
        m.put("pending", pending);
        m.put("lastSnapshotRevision", lastSnapshotRevision);
        m.put("lastSnapshotAt", lastSnapshotAt == null ? null : lastSnapshotAt.toString());
        m.put("lastSnapshotKey", lastSnapshotKey);
        m.put("uploaded", uploads);
        m.put("alreadyStored", alreadyStored);
        m.put("consecutiveFailures", snapshotFailures);
        m.put("backupEnabled", cfg.backupEnabled());
        m.put("backupTime", cfg.backupTime() + " UTC");
        m.put("lastBackupDate", lastBackupDate == null ? null : lastBackupDate.toString());
        m.put("lastBackupAt", lastBackupAt == null ? null : lastBackupAt.toString());
        m.put("lastBackupKey", lastBackupKey);
        m.put("lastBackupFiles", lastBackupFiles);
        m.put("lastBackupBytes", lastBackupBytes);
        m.put("backupFailures", backupFailures);
        m.put("lastError", lastError);
        m.put("lastErrorAt", lastErrorAt == null ? null : lastErrorAt.toString());
        return m;
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }
}
