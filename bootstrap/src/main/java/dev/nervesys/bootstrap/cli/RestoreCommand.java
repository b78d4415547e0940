package dev.nervesys.bootstrap.cli;

import dev.nervesys.archive.ArchiveSettings;
import dev.nervesys.archive.S3Clients;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.snapshots.ConfigSnapshot;
import dev.nervesys.snapshots.SnapshotKeys;
import dev.nervesys.snapshots.SnapshotStore;
import dev.nervesys.snapshots.StateRestore;
import dev.nervesys.snapshots.TarGz;
import dev.nervesys.spi.DataDirLock;
import dev.nervesys.spi.ErrorLine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code nervesys restore --list | --revision REV --to DIR | --backup yyyy-MM-dd} (docs/snapshots.md):
 * lists an agent's config snapshots and daily backups, unpacks a snapshot into a directory, or puts a
 * backup back into a data dir. The target is found as the agent finds it: nervesys.archive.* and
 * STORJ_* from -D flags, the environment, and ./config of the working directory (or the jar's own).
 * Failures are one line on stderr and an exit code, never a stack trace.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"List and restore config snapshots and daily backups of the local state (docs/snapshots.md).",
                "Target as for the agent: nervesys.archive.bucket/endpoint/region or STORJ_BUCKET/STORJ_ENDPOINT/STORJ_REGION,",
                "keys STORJ_ACCESS_KEY/STORJ_SECRET_KEY from the environment; no bucket = the local archive folder."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "1:failed (store unreachable, damaged archive, ambiguous revision)", "2:bad usage",
                "3:refused (an agent runs on the data dir, or files would be overwritten without --force)",
                "4:no such snapshot or backup"})
public final class RestoreCommand implements Callable<Integer> {

    static final int FAILED = CliErrors.FAILED;
    static final int USAGE = CliErrors.USAGE;
    static final int REFUSED = CliErrors.REFUSED;
    static final int NOT_FOUND = CliErrors.NOT_FOUND;

    static final class What {
        @Option(names = "--list", required = true, description = "list the snapshots and backups of the agent")
        boolean list;

        @Option(names = "--revision", required = true, paramLabel = "REV",
                description = "restore the snapshot of this revision (a commit id, or its first characters) into --to DIR")
        String revision;

        @Option(names = "--backup", required = true, paramLabel = "yyyy-MM-dd",
                description = "restore the local state of this day's backup into the data dir")
        LocalDate backup;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--agent", paramLabel = "ID", description = "whose snapshots and backups (default: nervesys.agentId, else the host name)")
    String agent;

    @Option(names = "--to", paramLabel = "DIR", description = "with --revision: the directory to unpack into (new or empty, or --force)")
    Path to;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "the agent's data dir (default: nervesys.dataDir): where --backup restores to, and where the local archive folder is when no bucket is set")
    Path dataDir;

    @Option(names = "--force", description = "replace existing files (--to: its routes/ and config/ are replaced as a whole)")
    boolean force;

    @Spec
    CommandSpec spec;

    private final SettingsResolver resolver;
    private final Path workDir;

    /** The command line's: this process's environment and -D flags, the current directory. */
    public RestoreCommand() {
        this(null, null);
    }

    /** With the given environment and flags, and {@code workDir} in place of the current directory (tests). */
    public RestoreCommand(SettingsResolver resolver, Path workDir) {
        this.resolver = resolver;
        this.workDir = workDir;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String target = null;
        try {
            if (what.revision != null && to == null) {
                err.println("restore: --revision needs --to DIR");
                return USAGE;
            }
            if (to != null && what.revision == null) {
                err.println("restore: --to goes with --revision");
                return USAGE;
            }
            Settings settings = settings();
            String agentId = agent != null && !agent.isBlank() ? agent.trim() : settings.agentId();
            ArchiveSettings archive = ArchiveSettings.from(settings);
            S3Client s3 = archive.s3() ? S3Clients.create(archive, settings.secret("STORJ_ACCESS_KEY").orElse(null),
                    settings.secret("STORJ_SECRET_KEY").orElse(null)) : null;
            try {
                SnapshotStore store = SnapshotStore.of(archive, s3);
                target = store.describe();
                String problem = store.problem();
                if (problem != null) {
                    err.println("restore: " + problem);
                    return FAILED;
                }
                if (what.list) {
                    return list(store, agentId, out);
                }
                if (what.revision != null) {
                    return restoreRevision(store, agentId, out, err);
                }
                return restoreBackup(store, agentId, settings.dataDir(), out, err);
            } finally {
                if (s3 != null) {
                    s3.close();
                }
            }
        } catch (DataDirLock.HeldException e) {
            err.println("restore: " + e.getMessage() + "; stop the agent first");
            return REFUSED;
        } catch (IOException | RuntimeException e) {
            if (target != null && ErrorLine.unreachable(e)) {
                err.println("restore: cannot reach the archive store " + target + " (" + ErrorLine.connectReason(e)
                        + "); check nervesys.archive.endpoint (STORJ_ENDPOINT) and that the store runs");
            } else {
                err.println("restore: " + ErrorLine.of(e));
            }
            return FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private Settings settings() throws IOException {
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        if (dataDir != null) {
            r = r.withFlag(Settings.DATA_DIR, dataDir.toAbsolutePath().toString());
        }
        Path cwd = workDir != null ? workDir : Path.of("").toAbsolutePath();
        try {
            return r.resolve(DirectorySource.looksLikeConfigRoot(cwd) ? new DirectorySource(cwd).latest() : new EmbeddedSource().latest());
        } catch (Exception e) {
            throw new IOException("cannot read the settings: " + e.getMessage(), e);
        }
    }

    private int list(SnapshotStore store, String agentId, PrintWriter out) throws IOException {
        List<SnapshotStore.StoredObject> snapshots = store.list(SnapshotKeys.snapshotPrefix(agentId)).stream()
                .filter(o -> o.key().endsWith(SnapshotKeys.EXTENSION))
                .sorted(Comparator.comparing(SnapshotStore.StoredObject::modified).thenComparing(SnapshotStore.StoredObject::key))
                .toList();
        out.printf("Snapshots of agent %s in %s (%s):%n", agentId, store.describe(), SnapshotKeys.snapshotPrefix(agentId));
        out.printf("  %-42s  %-24s  %s%n", "REVISION", "STORED", "BYTES");
        for (SnapshotStore.StoredObject o : snapshots) {
            out.printf("  %-42s  %-24s  %d%n", SnapshotKeys.name(o.key()).orElse(o.key()), o.modified(), o.size());
        }
        out.printf("%d snapshot(s)%n", snapshots.size());
        List<SnapshotStore.StoredObject> backups = store.list(SnapshotKeys.backupPrefix(agentId)).stream()
                .filter(o -> o.key().endsWith(SnapshotKeys.EXTENSION))
                .sorted(Comparator.comparing(SnapshotStore.StoredObject::key)).toList();
        out.printf("Backups of agent %s (%s):%n", agentId, SnapshotKeys.backupPrefix(agentId));
        out.printf("  %-12s  %-24s  %s%n", "DATE", "STORED", "BYTES");
        for (SnapshotStore.StoredObject o : backups) {
            out.printf("  %-12s  %-24s  %d%n", SnapshotKeys.name(o.key()).orElse(o.key()), o.modified(), o.size());
        }
        out.printf("%d backup(s)%n", backups.size());
        return 0;
    }

    private int restoreRevision(SnapshotStore store, String agentId, PrintWriter out, PrintWriter err) throws IOException {
        String key = SnapshotKeys.snapshotKey(agentId, what.revision.trim());
        if (!store.exists(key)) {
            // a short commit id: the one snapshot whose revision starts with it
            String start = SnapshotKeys.snapshotPrefix(agentId) + what.revision.trim();
            List<String> matches = store.list(start).stream().map(SnapshotStore.StoredObject::key)
                    .filter(k -> k.startsWith(start) && k.endsWith(SnapshotKeys.EXTENSION)).toList();
            if (matches.isEmpty()) {
                err.println("restore: no snapshot of revision " + what.revision + " for agent " + agentId + " in "
                        + store.describe() + " (nervesys restore --list shows what there is)");
                return NOT_FOUND;
            }
            if (matches.size() > 1) {
                err.println("restore: revision " + what.revision + " is ambiguous for agent " + agentId + ": "
                        + String.join(", ", matches.stream().map(k -> SnapshotKeys.name(k).orElse(k)).toList()));
                return FAILED;
            }
            key = matches.get(0);
        }
        Path target = to.toAbsolutePath().normalize();
        if (Files.isDirectory(target) && !isEmpty(target)) {
            if (!force) {
                err.println("restore: " + target + " is not empty; use --force to replace its routes/ and config/");
                return REFUSED;
            }
            for (String sub : List.of("routes", "config", ConfigSnapshot.MANIFEST)) {
                deleteTree(target.resolve(sub));
            }
        } else if (Files.exists(target) && !Files.isDirectory(target)) {
            err.println("restore: " + target + " is not a directory");
            return FAILED;
        }
        Path tmp = Files.createTempFile("nervesys-snapshot", SnapshotKeys.EXTENSION);
        try {
            if (!store.get(key, tmp)) {
                err.println("restore: " + key + " vanished from " + store.describe());
                return NOT_FOUND;
            }
            Map<String, Object> manifest = ConfigSnapshot.manifest(tmp);
            List<TarGz.Extracted> files = TarGz.extract(tmp, target);
            long configFiles = files.stream().filter(f -> !f.name().equals(ConfigSnapshot.MANIFEST)).count();
            out.printf("Restored revision %s of agent %s into %s: %d files%n", manifest.getOrDefault("revision", key),
                    manifest.getOrDefault("agent", agentId), target, configFiles);
            if (manifest.get("message") != null) {
                out.printf("  %s (%s, from %s)%n", String.valueOf(manifest.get("message")).strip().lines().findFirst().orElse(""),
                        manifest.get("time"), manifest.get("source"));
            }
            return 0;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private int restoreBackup(SnapshotStore store, String agentId, Path data, PrintWriter out, PrintWriter err) throws IOException {
        String key = SnapshotKeys.backupKey(agentId, what.backup);
        if (!store.exists(key)) {
            err.println("restore: no backup of " + what.backup + " for agent " + agentId + " in " + store.describe()
                    + " (" + key + "; nervesys restore --list shows what there is)");
            return NOT_FOUND;
        }
        try (DataDirLock lock = DataDirLock.acquire(data, "restore")) {
            Path tmp = data.resolve(".restore-" + what.backup + SnapshotKeys.EXTENSION);
            try {
                if (!store.get(key, tmp)) {
                    err.println("restore: " + key + " vanished from " + store.describe());
                    return NOT_FOUND;
                }
                StateRestore.Restored r = StateRestore.restore(tmp, data, force);
                out.printf("Restored the backup of %s of agent %s (taken %s) into %s: %d files, %d bytes%n", what.backup,
                        r.manifest().getOrDefault("agent", agentId), r.manifest().get("createdAt"), data, r.files().size(), r.bytes());
                return 0;
            } catch (StateRestore.ConflictException e) {
                List<String> some = e.existing().subList(0, Math.min(5, e.existing().size()));
                err.println("restore: " + e.existing().size() + " file(s) of the backup exist in " + data + " already ("
                        + String.join(", ", some) + (e.existing().size() > some.size() ? ", ..." : "")
                        + "); use --force to replace them");
                return REFUSED;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
