package dev.nervesys.snapshots;

import dev.nervesys.common.Backoff;
import dev.nervesys.spi.AppliedRevision;
import dev.nervesys.spi.RevisionListener;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
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
 * a marker in {@code snapshots/targets/<target>/uploaded/} and backs off exponentially after a
 * failure. Pending files survive restarts; a revision with a marker for the current target is never
 * queued again. The "done" markers (uploaded snapshots, last backup) are kept per target (bucket or
 * folder, {@link #markerDir}): after the target changes, the new one gets the applied revision's
 * snapshot at once and today's backup at the next check.
 *
 * <p>Route {@code snapshots-backup} calls {@link #backupIfDue}, which {@link DailyBackups} schedules.
 */
public final class SnapshotService implements RevisionListener, StatusReporter, MeterBinder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

    private final SnapshotSettings cfg;
    private final SnapshotStore store;
    private final String agentId;
    private final Clock clock;
    private final AutoCloseable owned;
    private final Path pendingDir;
    private final Path uploadedDir;
    private final Path markerDir;
    private final boolean newTarget;
    private final DailyBackups backups;
    private final Object uploadLock = new Object();
    private volatile boolean loaded;

    private volatile String lastSnapshotRevision;
    private volatile Instant lastSnapshotAt;
    private volatile String lastSnapshotKey;
    private volatile long uploads;
    private volatile long alreadyStored;
    private final Backoff uploadBackoff;

    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile long failuresTotal;
    private final Instant created;

    /**
     * @param owned closed with this bean: an S3 client created only for it (null when it uses the
     *              archiver's)
     */
    public SnapshotService(SnapshotSettings cfg, SnapshotStore store, StateBackup backup, Path dataDir, String agentId,
                           String server, Clock clock, AutoCloseable owned) {
        this.cfg = cfg;
        this.store = store;
        this.agentId = agentId;
        this.clock = clock;
        this.owned = owned;
        this.created = clock.instant();
        this.uploadBackoff = new Backoff(cfg.backoffInitial(), cfg.backoffMax(), clock);
        Path root = dataDir.toAbsolutePath().normalize().resolve("snapshots");
        this.pendingDir = root.resolve("pending");
        this.markerDir = markerDir(root, store);
        this.uploadedDir = markerDir.resolve("uploaded");
        this.newTarget = !Files.isDirectory(markerDir);
        this.backups = new DailyBackups(cfg, store, backup, root, markerDir, agentId, server, clock);
        if (newTarget && cfg.enabled()) {
            LOG.info("Snapshot target {} is new for this agent (no markers in {}): the applied revision's snapshot goes there"
                    + " at once, today's backup at the next check", store.describe(), markerDir);
        }
    }

    /** Where the markers of one target live: {@code <dataDir>/snapshots/targets/<target as a path segment>}. */
    static Path markerDir(Path snapshotsRoot, SnapshotStore store) {
        return snapshotsRoot.resolve("targets").resolve(SnapshotKeys.segment(store.describe()));
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
            if (uploadBackoff.waitingAt(clock.millis())) {
                return;
            }
            try {
                load();
                for (Path file : pending()) {
                    upload(file);
                }
                int failures = uploadBackoff.reset();
                if (failures > 0) {
                    LOG.info("Snapshot uploads work again after {} failure(s)", failures);
                }
                lastError = null;
                lastErrorAt = null;
            } catch (Exception e) {
                failuresTotal++;
                long delay = uploadBackoff.failed().toMillis();
                error("snapshot upload failed (" + uploadBackoff.failures() + " in a row, next try in " + delay + " ms)", e);
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

    /** Takes today's backup when it is due ({@link DailyBackups}). Called by route snapshots-backup. */
    public void backupIfDue() {
        backups.ifDue();
    }

    /** Takes the backup of {@code day} now, replacing an existing one; returns its key. */
    public String backupNow(LocalDate day) throws IOException {
        return backups.now(day);
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
            try (Stream<Path> s = Files.list(pendingDir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                    Files.deleteIfExists(p); // a crash while queueing: the revision is queued again when applied
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

    /** The newer of the uploads' and the backups' last errors. */
    public String lastError() {
        Instant backupAt = backups.lastErrorAt();
        if (backupAt != null && (lastErrorAt == null || backupAt.isAfter(lastErrorAt))) {
            return backups.lastError();
        }
        return lastError;
    }

    private Instant lastErrorAt() {
        Instant backupAt = backups.lastErrorAt();
        return backupAt != null && (lastErrorAt == null || backupAt.isAfter(lastErrorAt)) ? backupAt : lastErrorAt;
    }

    public int snapshotFailures() {
        return uploadBackoff.failures();
    }

    public int backupFailures() {
        return backups.failures();
    }

    public String target() {
        return store.describe();
    }

    public boolean enabled() {
        return cfg.enabled();
    }

    /** When the current streak of upload or backup failures began (the earlier of the two), or null. */
    public Instant failingSince() {
        Instant uploads = uploadBackoff.failingSince();
        Instant backup = backups.failingSince();
        if (uploads == null) {
            return backup;
        }
        return backup == null || uploads.isBefore(backup) ? uploads : backup;
    }

    /** Snapshot files waiting for their upload (-1 when the folder cannot be read). */
    public int pendingCount() {
        try {
            return pending().size();
        } catch (IOException e) {
            return -1;
        }
    }

    private double age(Instant last) {
        Instant from = last == null ? created : last;
        return Math.max(0, java.time.Duration.between(from, clock.instant()).toMillis() / 1000.0);
    }

    /** Prometheus: nervesys_snapshots_* with kind = config (revision snapshots) or backup (daily state backups). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.snapshots.taken", this, s -> s.uploads + s.alreadyStored)
                .description("Snapshots stored in the archive target").tag("kind", "config").register(registry);
        FunctionCounter.builder("nervesys.snapshots.taken", this, s -> s.backups.taken())
                .description("Snapshots stored in the archive target").tag("kind", "backup").register(registry);
        FunctionCounter.builder("nervesys.snapshots.failures", this, s -> s.failuresTotal)
                .description("Failed snapshot uploads and backups (each retried with backoff)").tag("kind", "config")
                .register(registry);
        FunctionCounter.builder("nervesys.snapshots.failures", this, s -> s.backups.failuresTotal())
                .description("Failed snapshot uploads and backups (each retried with backoff)").tag("kind", "backup")
                .register(registry);
        Gauge.builder("nervesys.snapshots.last.success.age.seconds", this, s -> s.age(s.lastSnapshotAt))
                .description("Seconds since the last snapshot was stored (since start when none is known)")
                .tag("kind", "config").register(registry);
        Gauge.builder("nervesys.snapshots.last.success.age.seconds", this, s -> s.age(s.backups.lastSuccess()))
                .description("Seconds since the last snapshot was stored (since start when none is known)")
                .tag("kind", "backup").register(registry);
        Gauge.builder("nervesys.snapshots.pending", this, SnapshotService::pendingCount)
                .description("Config snapshots waiting for their upload").register(registry);
    }

    @Override
    public String statusName() {
        return "snapshots";
    }

    @Override
    public Map<String, Object> status() {
        try {
            load();
            backups.load();
        } catch (IOException e) {
            error("cannot read the snapshot state", e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", store.describe());
        m.put("targetNew", newTarget && lastSnapshotKey == null);
        m.put("markers", markerDir.toString());
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
        m.put("consecutiveFailures", uploadBackoff.failures());
        backups.status(m);
        m.put("lastError", lastError());
        Instant errorAt = lastErrorAt();
        m.put("lastErrorAt", errorAt == null ? null : errorAt.toString());
        return m;
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }
}
