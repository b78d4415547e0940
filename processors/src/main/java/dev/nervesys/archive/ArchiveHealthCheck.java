package dev.nervesys.archive;

import dev.nervesys.spi.ReadinessCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Readiness check {@code nervesys-archive} in /observe/health (bean {@code archiveHealth}): the
 * archive target. For S3, down while the last attempts failed or the bucket does not answer a
 * HEAD (asked at most every {@link #PROBE_EVERY_MS} ms, so probes do not hit the gateway per
 * scrape; an upload confirmed in between counts as a successful probe); for the local folder, down when it cannot be written. The agent keeps accepting data
 * either way: the buffer holds the records until the target is back.
 */
public final class ArchiveHealthCheck extends ReadinessCheck {

    static final long PROBE_EVERY_MS = 30_000;

    private final Archiver archiver;
    private volatile long probedAt;
    private volatile String probeError;

    public ArchiveHealthCheck(Archiver archiver) {
        super("nervesys-archive");
        this.archiver = archiver;
    }


    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        ArchiveSettings cfg = archiver.settings();
        builder.detail("consecutiveFailures", archiver.consecutiveFailures());
        if (archiver.lastError() != null) {
            builder.detail("lastError", archiver.lastError());
        }
        if (!cfg.s3()) {
            Path dir = cfg.localDir();
            builder.detail("target", dir.toString());
            boolean writable = Files.isDirectory(dir) ? Files.isWritable(dir) : Files.isWritable(existingParent(dir));
            if (!writable) {
                builder.message("local archive folder " + dir + " is not writable").down();
            } else if (archiver.consecutiveFailures() > 0) {
                builder.message("the last archive failed: " + archiver.lastError()).down();
            } else {
                builder.up();
            }
            return;
        }
        builder.detail("target", "s3://" + cfg.bucket());
        String probe = probe(archiver.s3(), cfg.bucket());
        if (probe != null) {
            builder.message("bucket " + cfg.bucket() + " does not answer: " + probe).down();
        } else if (archiver.consecutiveFailures() > 0) {
            builder.message("the last upload failed: " + archiver.lastError()).down();
        } else {
            builder.up();
        }
    }

    private String probe(S3Client s3, String bucket) {
        long now = System.currentTimeMillis();
        if (archiver.lastUploadAt() > probedAt) {
            // an upload confirmed since the last probe answers for the bucket
            probedAt = archiver.lastUploadAt();
            probeError = null;
        }
        if (now - probedAt >= PROBE_EVERY_MS) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
                probeError = null;
            } catch (RuntimeException e) {
                probeError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            probedAt = now;
        }
        return probeError;
    }

    private static Path existingParent(Path p) {
        Path q = p.toAbsolutePath();
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q == null ? Path.of("/") : q;
    }
}
