package dev.nervesys.archive;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * The archiver's settings (docs/archive.md), each declared once below with its default. The S3 target is read from {@code nervesys.archive.*}
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

    public static final Setting MAX_BYTES = Setting.bytes("nervesys.archive.maxBytes", "10MB", BEANS,
            "archive when this much is buffered ...");
    public static final Setting INTERVAL = Setting.duration("nervesys.archive.interval", "10m", BEANS,
            "... or when the oldest unarchived record is this old");
    public static final Setting CHECK_EVERY = Setting.duration("nervesys.archive.checkEvery", "1s", ROUTES,
            "how often the archiver checks (route archive-tick); a check ships archive after archive while one is due")
            .renamedFrom("nervesys.archive.checkEveryMs", "ms");
    public static final Setting THREADS = Setting.integer("nervesys.archive.threads", "1", "archives", BEANS,
            "archives compressed in the background ahead of the one being uploaded while a backlog of more than "
                    + "maxBytes drains (0 = one archive at a time, at most 16)");
    public static final Setting COMPRESSION = Setting.text("nervesys.archive.compression", "gzip", BEANS,
            "gzip (.json.gz) or zstd (.json.zst)");
    public static final Setting GZIP_LEVEL = Setting.integer("nervesys.archive.gzipLevel", "6", "level", BEANS,
            "gzip level of archives");
    public static final Setting ZSTD_LEVEL = Setting.integer("nervesys.archive.zstdLevel", "3", "level", BEANS,
            "zstd level of archives");
    public static final Setting PREFIX = Setting.text("nervesys.archive.prefix", "logs", BEANS,
            "first part of every object key: <prefix>/<server>/<yyyy-MM-dd>/<HH-mm>[-<n>].json.gz");
    public static final Setting BUCKET = Setting.text("nervesys.archive.bucket", "", BEANS,
            "S3 bucket; empty = STORJ_BUCKET from the environment; neither = archive to nervesys.archive.localDir");
    public static final Setting ENDPOINT = Setting.text("nervesys.archive.endpoint", "", BEANS,
            "S3 endpoint (Storj: https://gateway.storjshare.io); empty = STORJ_ENDPOINT, else AWS");
    public static final Setting REGION = Setting.text("nervesys.archive.region", "", BEANS,
            "S3 region; empty = STORJ_REGION, else us-east-1. Keys: STORJ_ACCESS_KEY, STORJ_SECRET_KEY (environment only)");
    public static final Setting PART_SIZE = Setting.bytes("nervesys.archive.partSize", "16MB", ROUTES,
            "multipart upload part size (at least 5MB); smaller archives go in one PUT");
    public static final Setting LOCAL_DIR = Setting.text("nervesys.archive.localDir", "", BEANS,
            "local archive folder when no bucket is set (empty = <dataDir>/archive)");
    public static final Setting BACKOFF_INITIAL = Setting.duration("nervesys.archive.backoffInitial", "1s", BEANS,
            "retry after a failed upload: doubling from backoffInitial ...");
    public static final Setting BACKOFF_MAX = Setting.duration("nervesys.archive.backoffMax", "5m", BEANS,
            "... up to backoffMax");

    /** The declarations of {@code nervesys.archive.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Archive";
        }

        @Override
        public String page() {
            return "archive.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(MAX_BYTES, INTERVAL, CHECK_EVERY, THREADS, COMPRESSION, GZIP_LEVEL, ZSTD_LEVEL, PREFIX, BUCKET,
                    ENDPOINT, REGION, PART_SIZE, LOCAL_DIR, BACKOFF_INITIAL, BACKOFF_MAX);
        }
    }

    public static ArchiveSettings from(AgentSettings s) {
        String compression = s.get(COMPRESSION).trim().toLowerCase(Locale.ROOT);
        if (!compression.equals("gzip") && !compression.equals("zstd")) {
            throw new IllegalArgumentException("nervesys.archive.compression must be gzip or zstd, not '" + compression + "'");
        }
        int level = compression.equals("gzip") ? s.getInt(GZIP_LEVEL) : s.getInt(ZSTD_LEVEL);
        Path data = s.dataDir();
        return new ArchiveSettings(
                s.server(),
                s.get(PREFIX),
                s.getBytes(MAX_BYTES),
                s.getDuration(INTERVAL),
                compression,
                level,
                s.find(LOCAL_DIR).map(Path::of).orElse(data.resolve("archive")),
                data.resolve("archive-work"),
                s.getDuration(BACKOFF_INITIAL),
                s.getDuration(BACKOFF_MAX),
                first(s.find(BUCKET), s.secret("STORJ_BUCKET")),
                first(s.find(ENDPOINT), s.secret("STORJ_ENDPOINT")),
                first(s.find(REGION), s.secret("STORJ_REGION")) == null ? "us-east-1"
                        : first(s.find(REGION), s.secret("STORJ_REGION")),
                threads(s.getInt(THREADS)),
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
