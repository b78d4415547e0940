package dev.nervesys.archive;

import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Health check {@code nervesys-archive} in /observe/health (bean {@code archiveHealth}) and the
 * {@code archive} dependency: the archive target. Degraded, never DOWN (the buffer holds the records
 * until the target is back: {@link DependencyCheck}): for S3 while the last attempts failed or the
 * bucket does not answer a HEAD (asked at most every {@link #PROBE_EVERY_MS} ms, so probes do not
 * hit the gateway per scrape; an upload confirmed in between counts as a successful probe); for
 * the local folder while it cannot be written or the last archive failed. The backlog is what
 * the archiver has not shipped yet.
 */
public final class ArchiveHealthCheck extends DependencyCheck implements Dependency {

    static final long PROBE_EVERY_MS = 30_000;

    private final Archiver archiver;
    private volatile long probedAt;
    private volatile String probeError;
    private volatile long probeFailingSince;

    public ArchiveHealthCheck(Archiver archiver) {
        this(archiver, Clock.systemUTC());
    }

    public ArchiveHealthCheck(Archiver archiver, Clock clock) {
        super("nervesys-archive", clock);
        this.archiver = archiver;
    }

    @Override
    protected void moreDetails(HealthCheckResultBuilder builder) {
        builder.detail("consecutiveFailures", archiver.consecutiveFailures());
        if (archiver.lastError() != null) {
            builder.detail("lastError", archiver.lastError());
        }
    }

    @Override
    public String dependencyName() {
        return "archive";
    }

    @Override
    public DependencyState dependencyState() {
        return state();
    }

    @Override
    protected DependencyState state() {
        ArchiveSettings cfg = archiver.settings();
        Map<String, Number> backlog = new LinkedHashMap<>();
        backlog.put("rows", archiver.pendingRows());
        backlog.put("bytes", archiver.pendingBytes());
        backlog.put("lagSeconds", archiver.lag().toSeconds());
        Instant since = archiver.failingSince() == 0 ? null : Instant.ofEpochMilli(archiver.failingSince());
        if (!cfg.s3()) {
            Path dir = cfg.localDir();
            String target = dir.toString();
            boolean writable = Files.isDirectory(dir) ? Files.isWritable(dir) : Files.isWritable(existingParent(dir));
            if (!writable) {
                return DependencyState.degraded("archive", target, "local archive folder " + dir + " is not writable", since, backlog);
            }
            if (archiver.consecutiveFailures() > 0) {
                return DependencyState.degraded("archive", target, "the last archive failed: " + archiver.lastError(), since, backlog);
            }
            return DependencyState.ok("archive", target, backlog);
        }
        String target = "s3://" + cfg.bucket();
        String probe = probe(Archiver.S3Side.client(archiver), cfg.bucket());
        if (probe != null) {
            Instant probeSince = Instant.ofEpochMilli(probeFailingSince);
            return DependencyState.degraded("archive", target, "bucket " + cfg.bucket() + " does not answer: " + probe,
                    since != null && since.isBefore(probeSince) ? since : probeSince, backlog);
        }
        if (archiver.consecutiveFailures() > 0) {
            return DependencyState.degraded("archive", target, "the last upload failed: " + archiver.lastError(), since, backlog);
        }
        return DependencyState.ok("archive", target, backlog);
    }

    private synchronized String probe(S3Client s3, String bucket) {
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
                if (probeError == null) {
                    probeFailingSince = now;
                }
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
