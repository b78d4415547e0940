package dev.nervesys.snapshots;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts a daily backup back into a data dir. The caller makes sure no agent runs on it (it holds
 * the data dir's lock). The archive is unpacked into {@code <dataDir>/.restore-staging} first, so a
 * damaged archive changes nothing; then each file moves into place. Files that exist already are
 * replaced only with {@code force}. Before a SQLite database is replaced, its {@code -wal},
 * {@code -shm} and {@code -journal} files are deleted: left beside the restored file, SQLite would
 * replay the old database's WAL into it. Files of the data dir that the backup does not hold are
 * left alone.
 */
public final class StateRestore {

    /** The backup would replace existing files and {@code force} was not given. */
    public static final class ConflictException extends IOException {
        private final List<String> existing;

        ConflictException(List<String> existing) {
            super(existing.size() + " file(s) of the backup exist in the data dir already");
            this.existing = List.copyOf(existing);
        }

        public List<String> existing() {
            return existing;
        }
    }

    public record Restored(List<String> files, long bytes, Map<String, Object> manifest) {
    }

    private StateRestore() {
    }

    public static Restored restore(Path archive, Path dataDir, boolean force) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        Path staging = data.resolve(".restore-staging");
        StateBackup.deleteTree(staging);
        try {
            List<TarGz.Extracted> extracted = TarGz.extract(archive, staging);
            Map<String, Object> manifest = Map.of();
            List<TarGz.Extracted> files = new ArrayList<>();
            for (TarGz.Extracted e : extracted) {
                if (e.name().equals(StateBackup.MANIFEST)) {
                    manifest = readManifest(e.file());
                } else {
                    files.add(e);
                }
            }
            if (manifest.isEmpty()) {
                throw new IOException(archive.getFileName() + " is not a nervesys state backup (no " + StateBackup.MANIFEST + ")");
            }
            List<String> existing = files.stream().map(TarGz.Extracted::name).filter(n -> Files.exists(data.resolve(n))).toList();
            if (!existing.isEmpty() && !force) {
                throw new ConflictException(existing);
            }
            long bytes = 0;
            List<String> names = new ArrayList<>();
            for (TarGz.Extracted e : files) {
                Path target = data.resolve(e.name()).normalize();
                Files.createDirectories(target.getParent());
                if (StateBackup.isSqlite(e.file())) {
                    for (String suffix : StateBackup.SQLITE_SIDECARS) {
                        Files.deleteIfExists(target.resolveSibling(target.getFileName() + suffix));
                    }
                }
                Files.move(e.file(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                bytes += e.size();
                names.add(e.name());
            }
            return new Restored(List.copyOf(names), bytes, manifest);
        } finally {
            StateBackup.deleteTree(staging);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readManifest(Path file) throws IOException {
        try {
            return ConfigSnapshot.JSON.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new IOException("the backup's " + StateBackup.MANIFEST + " is not readable: " + e.getMessage(), e);
        }
    }
}
