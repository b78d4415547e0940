package dev.nervesys.snapshots;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * tar.gz through commons-compress, written reproducibly and read defensively.
 *
 * <p>Writing: entries in the order added (callers sort them), POSIX/PAX headers for long or
 * non-ASCII names, owner 0:0 without names, the given modification time and mode; the gzip header
 * holds no time, name or OS. The same entries therefore give the same bytes (with the same
 * deflate implementation).
 *
 * <p>Reading: only regular files are extracted; an absolute name, a {@code ..} segment, a link or
 * device entry, or a path that would resolve outside the target directory fails the whole
 * extraction.
 */
public final class TarGz {

    private TarGz() {
    }

    /** One extracted file: its path inside the archive and where it was written. */
    public record Extracted(String name, Path file, long size) {
    }

    public static final class Writer implements Closeable {

        private final TarArchiveOutputStream tar;

        public Writer(OutputStream out) throws IOException {
            GzipParameters gz = new GzipParameters();
            gz.setModificationTime(0);
            gz.setOS(GzipParameters.OS.UNKNOWN);
            gz.setCompressionLevel(6);
            tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(new BufferedOutputStream(out, 1 << 16), gz),
                    StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
        }

        public void add(String name, byte[] data, Instant modified, int mode) throws IOException {
            tar.putArchiveEntry(entry(name, data.length, modified, mode));
            tar.write(data);
            tar.closeArchiveEntry();
        }

        /** Adds a file of a known, stable size (a copy or a file nobody writes to while this runs). */
        public void add(String name, Path file, Instant modified, int mode) throws IOException {
            long size = Files.size(file);
            tar.putArchiveEntry(entry(name, size, modified, mode));
            try (InputStream in = Files.newInputStream(file)) {
                long copied = in.transferTo(tar);
                if (copied != size) {
                    throw new IOException(file + " changed while being archived (" + copied + " bytes, expected " + size + ")");
                }
            }
            tar.closeArchiveEntry();
        }

        private static TarArchiveEntry entry(String name, long size, Instant modified, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(size);
            e.setModTime(FileTime.from(modified));
            e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | (mode & 0777));
            e.setIds(0, 0);
            e.setUserName("");
            e.setGroupName("");
            return e;
        }

        @Override
        public void close() throws IOException {
            tar.finish();
            tar.close();
        }
    }

    /**
     * Extracts every regular file below {@code target} (created when missing), keeping
     * modification times and, on POSIX file systems, the owner's permission bits.
     */
    public static List<Extracted> extract(Path archive, Path target) throws IOException {
        Files.createDirectories(target);
        Path root = target.toRealPath();
        List<Extracted> out = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(archive), 1 << 16)), StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = checkedName(e.getName());
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.isFile() || e.isLink() || e.isSymbolicLink()) {
                    throw new IOException("archive entry " + name + " is not a regular file");
                }
                Path file = root.resolve(name).normalize();
                Files.createDirectories(file.getParent());
                if (!file.getParent().toRealPath().startsWith(root)) {
                    throw new IOException("archive entry " + name + " leads outside " + target);
                }
                if (Files.isSymbolicLink(file)) {
                    throw new IOException(file + " is a symbolic link; not writing through it");
                }
                Path part = file.resolveSibling(file.getFileName() + ".restore-part");
                Files.copy(tar, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.setLastModifiedTime(file, e.getLastModifiedTime());
                permissions(file, e.getMode());
                out.add(new Extracted(name, file, e.getSize()));
            }
        }
        return out;
    }

    /** Reads one entry's bytes (a manifest), or null when the archive has no such entry. */
    public static byte[] read(Path archive, String name) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(archive), 1 << 16)), StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.getName().equals(name)) {
                    return tar.readAllBytes();
                }
            }
        }
        return null;
    }

    static String checkedName(String raw) throws IOException {
        String name = raw.replace('\\', '/');
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        if (name.isEmpty() || name.startsWith("/") || name.matches("^[A-Za-z]:.*") || name.contains("\0")) {
            throw new IOException("unsafe archive entry name: " + raw);
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw new IOException("unsafe archive entry name: " + raw);
            }
        }
        return name;
    }

    /** The owner/group/other bits of a file, 0644 where the file system has no POSIX permissions. */
    public static int mode(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            int m = 0;
            for (PosixFilePermission perm : p) {
                m |= 1 << (8 - perm.ordinal());
            }
            return m;
        } catch (UnsupportedOperationException | IOException e) {
            return 0644;
        }
    }

    private static void permissions(Path file, int mode) throws IOException {
        Set<PosixFilePermission> perms = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission perm : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - perm.ordinal()))) != 0) {
                perms.add(perm);
            }
        }
        try {
            Files.setPosixFilePermissions(file, perms);
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
