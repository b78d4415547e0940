package dev.nervesys.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.spi.AppliedRevision;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot archive format, key naming and defensive extraction, on made-up revisions and hostile archives. */
class SnapshotArchiveTest {

    @TempDir
    Path tmp;

    static final Instant COMMIT_TIME = Instant.parse("2025-12-10T08:15:30Z");

    static AppliedRevision revision(String id) {
        Map<String, String> files = new TreeMap<>();
        files.put("config/application.properties", "nervesys.test.word=caf\u00e9\r\nnervesys.other=x\n");
        files.put("routes/marker.camel.yaml", "- route:\n    id: marker\n");
        files.put("config/schemas/" + "deep/".repeat(25) + "long-name-\u00fc.yaml", "a: 1\n"); // > 100 bytes, non-ASCII
        files.put("config/empty.txt", "");
        return new AppliedRevision(id, "change the word\n\nbody", COMMIT_TIME, "git file:///repo branch main", new TreeMap<>(files));
    }

    @Test
    void aSnapshotHoldsTheRevisionByteForByteWithAManifestAndIsReproducible() throws Exception {
        AppliedRevision r = revision("0123456789abcdef0123456789abcdef01234567");
        byte[] first = ConfigSnapshot.build("edge-1", r);
        byte[] again = ConfigSnapshot.build("edge-1", revision(r.id()));
        assertThat(again).as("same revision, same bytes").isEqualTo(first);
        assertThat(ConfigSnapshot.build("edge-2", r)).as("the agent is in the manifest").isNotEqualTo(first);
        // gzip header: no time, OS unknown
        assertThat(new byte[] {first[4], first[5], first[6], first[7], first[9]}).containsExactly(0, 0, 0, 0, (byte) 255);

        List<TarArchiveEntry> entries = new ArrayList<>();
        Map<String, byte[]> contents = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(first)),
                "UTF-8")) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.add(e);
                contents.put(e.getName(), in.readAllBytes());
            }
        }
        assertThat(entries).extracting(TarArchiveEntry::getName).containsExactly(ConfigSnapshot.MANIFEST,
                "config/application.properties", "config/empty.txt", "config/schemas/" + "deep/".repeat(25) + "long-name-\u00fc.yaml",
                "routes/marker.camel.yaml");
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.getLastModifiedTime().toInstant()).isEqualTo(COMMIT_TIME);
            assertThat(e.getLongUserId()).isZero();
            assertThat(e.getUserName()).isEmpty();
            assertThat(e.getMode() & 0777).isEqualTo(0644);
        });
        r.files().forEach((path, text) -> assertThat(contents.get(path)).as(path).isEqualTo(text.getBytes(StandardCharsets.UTF_8)));

        Path file = tmp.resolve("s.tar.gz");
        Files.write(file, first);
        assertThat(ConfigSnapshot.manifest(file)).containsEntry("agent", "edge-1").containsEntry("revision", r.id())
                .containsEntry("message", "change the word\n\nbody").containsEntry("time", "2025-12-10T08:15:30Z")
                .containsEntry("source", "git file:///repo branch main").containsEntry("files", List.copyOf(r.files().keySet()));

        List<TarGz.Extracted> out = TarGz.extract(file, tmp.resolve("out"));
        assertThat(out).hasSize(5);
        for (Map.Entry<String, String> f : r.files().entrySet()) {
            Path p = tmp.resolve("out").resolve(f.getKey());
            assertThat(Files.readAllBytes(p)).isEqualTo(f.getValue().getBytes(StandardCharsets.UTF_8));
            assertThat(Files.getLastModifiedTime(p).toInstant()).isEqualTo(COMMIT_TIME);
        }
    }

    @Test
    void idsThatAreUnsafeInKeysGetDistinctSafeSegments() {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        assertThat(SnapshotKeys.snapshotKey("edge-1", commit)).isEqualTo("configs/snapshots/edge-1/" + commit + ".tar.gz");
        assertThat(SnapshotKeys.segment("local-a1b2c3d4e5f6")).isEqualTo("local-a1b2c3d4e5f6");
        assertThat(SnapshotKeys.segment("embedded-a1b2c3d4e5f6")).isEqualTo("embedded-a1b2c3d4e5f6");
        assertThat(SnapshotKeys.segment("edge-01.example.com")).isEqualTo("edge-01.example.com");
        assertThat(SnapshotKeys.backupKey("edge-1", java.time.LocalDate.of(2025, 12, 10)))
                .isEqualTo("backups/daily/edge-1/2025-12-10.tar.gz");

        List<String> unsafe = List.of("feature/x y", "feature_x_y", "../../etc/passwd", "..", ".hidden", "a".repeat(300),
                "r\u00e9vision", "with\nnewline", "");
        List<String> segments = unsafe.stream().map(SnapshotKeys::segment).toList();
        assertThat(segments).doesNotHaveDuplicates().allSatisfy(s -> {
            assertThat(s).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}").doesNotContain("..");
            assertThat(SnapshotKeys.segment(s)).as("sanitising is idempotent").isEqualTo(s);
        });
        assertThat(segments.get(1)).as("an id that is safe already stays as it is").isEqualTo("feature_x_y");
        assertThat(segments.get(0)).startsWith("feature_x_y-").hasSize("feature_x_y-".length() + 8);
        assertThat(SnapshotKeys.name("configs/snapshots/edge-1/" + segments.get(2) + ".tar.gz")).contains(segments.get(2));
    }

    @Test
    void extractionRefusesEntriesThatLeadOutsideOrAreNotPlainFiles() throws Exception {
        Path target = tmp.resolve("target");
        for (String bad : List.of("../evil.txt", "routes/../../evil.txt", "/etc/evil.txt")) {
            Path archive = tmp.resolve("bad.tar.gz");
            writeRaw(archive, tar -> {
                TarArchiveEntry e = new TarArchiveEntry(bad, true);
                e.setSize(4);
                tar.putArchiveEntry(e);
                tar.write("evil".getBytes(StandardCharsets.UTF_8));
                tar.closeArchiveEntry();
            });
            assertThatThrownBy(() -> TarGz.extract(archive, target)).as(bad).isInstanceOf(IOException.class)
                    .hasMessageContaining("unsafe archive entry name");
        }
        Path link = tmp.resolve("link.tar.gz");
        writeRaw(link, tar -> {
            TarArchiveEntry e = new TarArchiveEntry("routes/x.yaml", TarArchiveEntry.LF_SYMLINK);
            e.setLinkName("/etc/passwd");
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        });
        assertThatThrownBy(() -> TarGz.extract(link, target)).hasMessageContaining("not a regular file");
        assertThat(tmp.resolve("evil.txt")).doesNotExist();
        assertThat(Path.of("/etc/evil.txt")).doesNotExist();
        try (var s = Files.walk(target)) {
            assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    interface TarBody {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static void writeRaw(Path file, TarBody body) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            body.write(tar);
        }
    }
}
