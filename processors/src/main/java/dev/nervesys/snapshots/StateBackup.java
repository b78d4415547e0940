package dev.nervesys.snapshots;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The daily backup of an agent's local state: every file below the data dir except the excluded
 * paths (the record buffer, the archive folders, the config-repo mirror, the snapshots' own work
 * files, the lock and the console users file with its passwords, plus any configured ones).
 *
 * <p>First every file is copied into a scratch folder, then the copies are archived, so the
 * archive is one near-instant view of the state and a file growing meanwhile cannot break it.
 * SQLite databases (recognised by their header, whatever their name) are copied with
 * {@code VACUUM INTO}, a consistent snapshot taken through SQLite itself, never by copying a live
 * file whose recent commits may sit in its WAL; their {@code -wal}, {@code -shm} and
 * {@code -journal} files are left out, the copy holding everything committed.
 */
public final class StateBackup {

    public static final String MANIFEST = "nervesys-backup.json";
    static final List<String> SQLITE_SIDECARS = List.of("-wal", "-shm", "-journal");
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** What went into a backup. */
    public record Written(int files, int sqliteFiles, long bytes, List<String> paths) {
    }

    private final Path dataDir;
    private final List<Path> excluded;

    /** @param excluded absolute paths (files or folders) left out; those outside the data dir are ignored */
    public StateBackup(Path dataDir, Collection<Path> excluded) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.excluded = excluded.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }

    public List<String> excludedPaths() {
        return excluded.stream().filter(p -> p.startsWith(dataDir) && !p.equals(dataDir))
                .map(p -> rel(p)).sorted().toList();
    }

    /** Writes the backup to {@code target}, using {@code scratch} (emptied and removed) for the copies. */
    public Written write(Path target, Path scratch, Map<String, Object> about, Instant now) throws IOException {
        deleteTree(scratch);
        Files.createDirectories(scratch);
        try {
            Map<String, Path> copies = new TreeMap<>();
            Map<String, Instant> modified = new TreeMap<>();
            Map<String, Integer> modes = new TreeMap<>();
            List<String> sqlite = new ArrayList<>();
            int n = 0;
            for (Path file : files()) {
                String rel = rel(file);
                Path copy = scratch.resolve("f" + (n++));
                try {
                    modified.put(rel, Files.getLastModifiedTime(file).toInstant());
                    modes.put(rel, TarGz.mode(file));
                    if (isSqlite(file)) {
                        vacuumInto(file, copy);
                        sqlite.add(rel);
                    } else {
                        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (NoSuchFileException gone) {
                    modified.remove(rel); // deleted since the walk: not part of the state any more
                    modes.remove(rel);
                    continue;
                }
                copies.put(rel, copy);
            }
            Map<String, Object> manifest = new LinkedHashMap<>(about);
            manifest.put("format", "nervesys-state-backup/1");
            manifest.put("createdAt", now.toString());
            manifest.put("dataDir", dataDir.toString());
            List<Map<String, Object>> listed = new ArrayList<>();
            long bytes = 0;
            for (Map.Entry<String, Path> e : copies.entrySet()) {
                long size = Files.size(e.getValue());
                bytes += size;
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("path", e.getKey());
                f.put("size", size);
                if (sqlite.contains(e.getKey())) {
                    f.put("sqlite", true);
                }
                listed.add(f);
            }
            manifest.put("files", listed);
            manifest.put("excluded", excludedPaths());
            Files.createDirectories(target.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(target); TarGz.Writer tar = new TarGz.Writer(out)) {
                tar.add(MANIFEST, ConfigSnapshot.JSON.writeValueAsBytes(manifest), now, 0644);
                for (Map.Entry<String, Path> e : copies.entrySet()) {
                    tar.add(e.getKey(), e.getValue(), modified.get(e.getKey()), modes.get(e.getKey()));
                }
            }
            return new Written(copies.size(), sqlite.size(), bytes, List.copyOf(copies.keySet()));
        } finally {
            deleteTree(scratch);
        }
    }

    /** Regular files of the state, in path order: excluded paths, symbolic links and SQLite side files left out. */
    List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dataDir)) {
            return out;
        }
        Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(dataDir) && (isExcluded(dir) || dir.getFileName().toString().startsWith(".restore"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !isExcluded(file) && !isSidecar(file)) {
                    out.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        out.sort(Comparator.comparing(this::rel));
        return out;
    }

    private boolean isExcluded(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        for (Path e : excluded) {
            if (abs.startsWith(e)) {
                return true;
            }
        }
        return false;
    }

    /** {@code x.db-wal} etc. next to an existing {@code x.db}. */
    static boolean isSidecar(Path file) {
        String name = file.getFileName().toString();
        for (String suffix : SQLITE_SIDECARS) {
            if (name.endsWith(suffix) && name.length() > suffix.length()
                    && Files.exists(file.resolveSibling(name.substring(0, name.length() - suffix.length())))) {
                return true;
            }
        }
        return false;
    }

    static boolean isSqlite(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(SQLITE_HEADER.length), SQLITE_HEADER);
        }
    }

    /** A consistent copy of a possibly live database: what its last commit left, WAL included. */
    static void vacuumInto(Path db, Path copy) throws IOException {
        Files.deleteIfExists(copy);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath())) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
            }
            try (PreparedStatement p = c.prepareStatement("VACUUM INTO ?")) {
                p.setString(1, copy.toAbsolutePath().toString());
                p.execute();
            }
        } catch (SQLException e) {
            throw new IOException("cannot copy SQLite database " + db + ": " + e.getMessage(), e);
        }
    }

    private String rel(Path p) {
        return dataDir.relativize(p.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Paths every backup leaves out, whatever the settings: see the class comment. */
    public static Set<Path> alwaysExcluded(Path dataDir) {
        Path d = dataDir.toAbsolutePath().normalize();
        return Set.of(d.resolve("buffer"), d.resolve("archive"), d.resolve("archive-work"), d.resolve("config-repo.git"),
                d.resolve("snapshots"), d.resolve(dev.nervesys.spi.DataDirLock.FILE), d.resolve("state").resolve("console-users.properties"),
                d.resolve("enrollment"), d.resolve("orchestrator"));
    }
}
