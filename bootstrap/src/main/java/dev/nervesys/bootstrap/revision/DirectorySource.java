package dev.nervesys.bootstrap.revision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * routes/ and config/ of a local directory (by default the working directory). The revision id
 * is a hash of the contents, so polling notices any edit, addition or deletion.
 */
public final class DirectorySource implements RevisionSource {

    private final Path root;

    public DirectorySource(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public static boolean looksLikeConfigRoot(Path dir) {
        return Files.isDirectory(dir.resolve("routes")) || Files.isDirectory(dir.resolve("config"));
    }

    @Override
    public Revision latest() throws IOException {
        SortedMap<String, String> files = read(root);
        return new Revision("local-" + hash(files), "local directory " + root, Instant.now(), files);
    }

    /** Reads routes/ and config/ below a directory: what a config repo checkout holds. */
    public static SortedMap<String, String> read(Path root) throws IOException {
        SortedMap<String, String> files = new TreeMap<>();
        for (String dir : List.of("routes", "config")) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(d)) {
                for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                    String rel = root.relativize(p).toString().replace('\\', '/');
                    files.put(rel, Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    static String hash(SortedMap<String, String> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            files.forEach((k, v) -> {
                md.update(k.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(v.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            });
            return HexFormat.of().formatHex(md.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return "directory " + root;
    }
}
