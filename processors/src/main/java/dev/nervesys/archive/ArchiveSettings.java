package dev.nervesys.archive;

import dev.nervesys.spi.AgentSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The archiver's settings (docs/archive.md). The S3 target is read from {@code nervesys.archive.*}
 * first and from Storj's variables second ({@code STORJ_BUCKET}, {@code STORJ_ENDPOINT},
 * {@code STORJ_REGION}); the keys only ever from the environment. No bucket = the local folder.
 *
 * @param threads how many of the next archives are compressed in the background while a backlog of
 *                more than maxBytes drains (nervesys.archive.threads; 0 = one archive at a time)
 * @param clock   where "now" comes from (AgentSettings.clock())
 */
public record ArchiveSettings(
        String server,
        String prefix,
        long maxBytes,
        Duration interval,
        String compression,
        int level,
        Path localDir,
        Path workDir,
        Duration backoffInitial,
        Duration backoffMax,
        String bucket,
        String endpoint,
        String region,
        int threads,
        Clock clock) {

    public static ArchiveSettings from(AgentSettings s) {
        String compression = s.get("nervesys.archive.compression", "gzip").trim().toLowerCase(Locale.ROOT);
        if (!compression.equals("gzip") && !compression.equals("zstd")) {
            throw new IllegalArgumentException("nervesys.archive.compression must be gzip or zstd, not '" + compression + "'");
        }
        int level = compression.equals("gzip") ? s.getInt("nervesys.archive.gzipLevel", 6) : s.getInt("nervesys.archive.zstdLevel", 3);
        Path data = s.dataDir();
        return new ArchiveSettings(
                s.server(),
                s.get("nervesys.archive.prefix", "logs"),
                s.getBytes("nervesys.archive.maxBytes", 10L << 20),
                s.getDuration("nervesys.archive.interval", Duration.ofMinutes(10)),
                compression,
                level,
                s.find("nervesys.archive.localDir").map(Path::of).orElse(data.resolve("archive")),
                data.resolve("archive-work"),
                s.getDuration("nervesys.archive.backoffInitial", Duration.ofSeconds(1)),
                s.getDuration("nervesys.archive.backoffMax", Duration.ofMinutes(5)),
                first(s.find("nervesys.archive.bucket"), s.secret("STORJ_BUCKET")),
                first(s.find("nervesys.archive.endpoint"), s.secret("STORJ_ENDPOINT")),
                first(s.find("nervesys.archive.region"), s.secret("STORJ_REGION")) == null ? "us-east-1"
                        : first(s.find("nervesys.archive.region"), s.secret("STORJ_REGION")),
                threads(s.getInt("nervesys.archive.threads", 1)),
                s.clock());
    }

    private static int threads(int n) {
        if (n < 0 || n > 16) {
            throw new IllegalArgumentException("nervesys.archive.threads must be between 0 and 16, not " + n);
        }
        return n;
    }

    private static String first(Optional<String> a, Optional<String> b) {
        return a.filter(v -> !v.isBlank()).or(() -> b.filter(v -> !v.isBlank())).orElse(null);
    }

    public boolean s3() {
        return bucket != null;
    }

    public String extension() {
        return compression.equals("gzip") ? ".json.gz" : ".json.zst";
    }
}
