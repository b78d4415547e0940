package dev.nervesys.snapshots;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nervesys.spi.AppliedRevision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The snapshot of one applied revision: a tar.gz of every file of the revision (routes/ and
 * config/, byte for byte as the revision holds them, in path order) plus {@value #MANIFEST} at the
 * top (format, agent, revision id, commit message and time, source, file list). Every entry carries
 * the revision's time, so one revision always gives the same bytes.
 */
public final class ConfigSnapshot {

    public static final String MANIFEST = "nervesys-snapshot.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigSnapshot() {
    }

    public static byte[] build(String agentId, AppliedRevision revision) throws IOException {
        Instant time = revision.time() == null ? Instant.EPOCH : revision.time();
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", "nervesys-config-snapshot/1");
        manifest.put("agent", agentId);
        manifest.put("revision", revision.id());
        manifest.put("message", revision.message());
        manifest.put("time", revision.time() == null ? null : revision.time().toString());
        manifest.put("source", revision.source());
        manifest.put("files", revision.files().keySet());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarGz.Writer tar = new TarGz.Writer(bytes)) {
            tar.add(MANIFEST, JSON.writeValueAsBytes(manifest), time, 0644);
            for (Map.Entry<String, String> f : revision.files().entrySet()) {
                tar.add(f.getKey(), f.getValue().getBytes(StandardCharsets.UTF_8), time, 0644);
            }
        }
        return bytes.toByteArray();
    }

    /** The manifest of a snapshot file as a map, or an empty map when it has none. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> manifest(java.nio.file.Path archive) throws IOException {
        byte[] m = TarGz.read(archive, MANIFEST);
        return m == null ? Map.of() : JSON.readValue(m, Map.class);
    }
}
