package dev.nervesys.snapshots;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The embedded default: the archiver's local folder ({@code nervesys.archive.localDir}, by default
 * {@code <dataDir>/archive}), the key as the relative path. A file is copied beside its place,
 * fsynced and renamed into place, so a reader never sees half of one.
 */
final class LocalSnapshotStore implements SnapshotStore {

    private final Path root;

    LocalSnapshotStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path path(String key) throws IOException {
        Path p = root.resolve(TarGz.checkedName(key)).normalize();
        if (!p.startsWith(root)) {
            throw new IOException("key " + key + " leads outside " + root);
        }
        return p;
    }

    @Override
    public boolean exists(String key) throws IOException {
        return Files.isRegularFile(path(key));
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(file, part, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (Files.size(target) != Files.size(file)) {
            throw new IOException(target + " has " + Files.size(target) + " bytes, expected " + Files.size(file));
        }
    }

    @Override
    public boolean get(String key, Path target) throws IOException {
        Path source = path(key);
        if (!Files.isRegularFile(source)) {
            return false;
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        List<StoredObject> out = new ArrayList<>();
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : path(prefix.substring(0, slash + 1));
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (key.startsWith(prefix) && !key.endsWith(".part")) {
                    out.add(new StoredObject(key, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
                }
            }
        }
        return out;
    }

    @Override
    public String problem() {
        return java.nio.file.Files.isDirectory(root) ? null : "the local archive folder " + root
                + " does not exist (no bucket is set: nervesys.archive.bucket / STORJ_BUCKET; or give --data-dir)";
    }

    @Override
    public String describe() {
        return root.toString();
    }
}
