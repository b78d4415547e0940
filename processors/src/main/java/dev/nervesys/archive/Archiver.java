package dev.nervesys.archive;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Bean {@code archiver}: ships the oldest buffer rows as compressed NDJSON objects, driven by
 * routes/archive.camel.yaml ({@link #prepare}, then the aws2-s3 producer and {@link #confirm}, or
 * {@link #storeLocal}; {@link #failed} on any error).
 *
 * <p>Why it survives crashes: the row range and object key of an archive are committed (as the
 * cursor's state) before the first upload attempt, and the rows are acknowledged, so deleted, only
 * after the object's size was read back. A crash anywhere replays the same rows to the same key.
 */
public final class Archiver implements StatusReporter, MeterBinder {

    public static final String CONSUMER = "archive";
    public static final String TARGET = "NervesysArchiveTarget";
    public static final String BUCKET = "NervesysArchiveBucket";
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    private final RecordBuffer buffer;
    private final ArchiveSettings cfg;
    private final S3Client s3;
    private volatile int failures;
    private volatile long nextAttemptAt;
    private volatile String lastError;
    private volatile String lastKey;
    private volatile long archives;
    private volatile long archivedRecords;
    private volatile long failuresTotal;
    private volatile long lastUploadAt;
    /** When the current streak of failures began, epoch ms (meaningful while failures > 0). */
    private volatile long failingSince;
    /** Bytes of NDJSON and of compressed archives shipped, in total and for the last archive. */
    private volatile long rawBytesTotal;
    private volatile long compressedBytesTotal;
    private volatile long lastRawBytes;
    private volatile long lastCompressedBytes;
    /** What the last prepare wrote (the key and its sizes), for finish to count. */
    private volatile String writtenKey;
    private volatile ArchiveWriter.Written written;

    /** @param s3 null when no bucket is configured (archives go to the local folder) */
    public Archiver(RecordBuffer buffer, ArchiveSettings cfg, S3Client s3) {
        this.buffer = buffer;
        this.cfg = cfg;
        this.s3 = s3;
        buffer.registerConsumer(CONSUMER);
    }

    /** Whether an archive is due: a pending one, the size threshold, or the oldest row's age. */
    boolean due(long now) {
        if (now < nextAttemptAt) {
            return false;
        }
        if (ArchiveState.decode(buffer.consumerState(CONSUMER)).pending()) {
            return true;
        }
        if (buffer.pendingRows(CONSUMER) == 0) {
            return false;
        }
        if (buffer.pendingBytes(CONSUMER) >= cfg.maxBytes()) {
            return true;
        }
        long oldest = buffer.receivedAfter(buffer.position(CONSUMER));
        return oldest >= 0 && now - oldest >= cfg.interval().toMillis();
    }

    /**
     * Writes the next archive to a work file and puts it on the exchange (body = File, headers:
     * CamelAwsS3Key, {@value #BUCKET}, {@value #TARGET} = s3 | local); {@value #TARGET} = none when
     * nothing is due.
     */
    public void prepare(Exchange ex) throws IOException {
        Message m = ex.getMessage();
        long now = System.currentTimeMillis();
        if (!due(now)) {
            m.setHeader(TARGET, "none");
            return;
        }
        ArchiveState state = ArchiveState.decode(buffer.consumerState(CONSUMER));
        if (!state.pending()) {
            long after = buffer.position(CONSUMER);
            long last = buffer.sliceEnd(after, cfg.maxBytes());
            List<BufferedRecord> firstRow = buffer.read(after, 1);
            if (firstRow.isEmpty()) {
                m.setHeader(TARGET, "none");
                return;
            }
            state = state.plan(firstRow.get(0).id(), last, firstRow.get(0).receivedAt(), cfg.prefix(), cfg.server(),
                    cfg.extension());
            buffer.saveConsumerState(CONSUMER, state.encode());
        }
        Path work = workFile(state.key());
        ArchiveWriter.Written w = ArchiveWriter.write(buffer, state.first(), state.last(), work, cfg.compression(), cfg.level());
        written = w;
        writtenKey = state.key();
        LOG.debug("archive {}: {} records, {} -> {} bytes", state.key(), w.records(), w.rawBytes(), w.fileBytes());
        m.setBody(work.toFile());
        m.setHeader("CamelAwsS3Key", state.key());
        m.setHeader("CamelAwsS3ContentLength", w.fileBytes());
        m.setHeader("CamelAwsS3ContentType", cfg.compression().equals("gzip") ? "application/gzip" : "application/zstd");
        m.setHeader(BUCKET, cfg.bucket());
        m.setHeader(TARGET, cfg.s3() ? "s3" : "local");
    }

    /** After the aws2-s3 producer: reads the object's size back, then acknowledges the rows. */
    public void confirm(Exchange ex) throws IOException {
        ArchiveState state = ArchiveState.decode(buffer.consumerState(CONSUMER));
        Path work = workFile(state.key());
        long expected = Files.size(work);
        HeadObjectResponse head = s3.headObject(b -> b.bucket(cfg.bucket()).key(state.key()));
        if (head.contentLength() == null || head.contentLength() != expected) {
            throw new IOException("uploaded " + state.key() + " has " + head.contentLength() + " bytes, expected " + expected);
        }
        finish(state, work);
    }

    /** The embedded default: the archive moves into the local folder under the same key. */
    public void storeLocal(Exchange ex) throws IOException {
        ArchiveState state = ArchiveState.decode(buffer.consumerState(CONSUMER));
        Path work = workFile(state.key());
        Path target = cfg.localDir().resolve(state.key());
        Files.createDirectories(target.getParent());
        long expected = Files.size(work);
        Files.copy(work, target.resolveSibling(target.getFileName() + ".part"), StandardCopyOption.REPLACE_EXISTING);
        try (var ch = java.nio.channels.FileChannel.open(target.resolveSibling(target.getFileName() + ".part"),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true); // the rows are deleted next: the copy must be on disk first
        }
        Files.move(target.resolveSibling(target.getFileName() + ".part"), target,
                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (Files.size(target) != expected) {
            throw new IOException("local archive " + target + " has " + Files.size(target) + " bytes, expected " + expected);
        }
        finish(state, work);
    }

    private void finish(ArchiveState state, Path work) throws IOException {
        buffer.acknowledge(CONSUMER, state.last(), state.done().encode());
        Files.deleteIfExists(work);
        failures = 0;
        nextAttemptAt = 0;
        lastError = null;
        lastKey = state.key();
        archives++;
        archivedRecords += state.last() - state.first() + 1;
        lastUploadAt = System.currentTimeMillis();
        ArchiveWriter.Written w = written;
        if (w != null && state.key().equals(writtenKey)) {
            lastRawBytes = w.rawBytes();
            lastCompressedBytes = w.fileBytes();
            rawBytesTotal += w.rawBytes();
            compressedBytesTotal += w.fileBytes();
        }
        LOG.info("archived rows {}..{} as {}", state.first(), state.last(), state.key());
    }

    /** Any failure of a step: retry later with exponential backoff; the buffer keeps accepting. */
    public void failed(Exchange ex) {
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failures++ == 0) {
            failingSince = System.currentTimeMillis();
        }
        failuresTotal++;
        long delay = Math.min(cfg.backoffMax().toMillis(),
                cfg.backoffInitial().toMillis() << Math.min(20, failures - 1));
        nextAttemptAt = System.currentTimeMillis() + delay;
        lastError = cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        LOG.warn("archive upload failed ({} in a row), retrying in {} ms: {}", failures, delay, lastError);
    }

    private Path workFile(String key) {
        return cfg.workDir().resolve(key.replace('/', '_'));
    }

    public Duration lag() {
        long oldest = buffer.receivedAfter(buffer.position(CONSUMER));
        return oldest < 0 ? Duration.ZERO : Duration.ofMillis(System.currentTimeMillis() - oldest);
    }

    @Override
    public String statusName() {
        return "archive";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", cfg.s3() ? "s3://" + cfg.bucket() + (cfg.endpoint() == null ? "" : " at " + cfg.endpoint())
                : cfg.localDir().toString());
        m.put("lagSeconds", lag().toSeconds());
        m.put("pendingBytes", buffer.pendingBytes(CONSUMER));
        m.put("archives", archives);
        m.put("archivedRecords", archivedRecords);
        m.put("lastKey", lastKey);
        m.put("lastUploadAt", lastUploadAt == 0 ? null : java.time.Instant.ofEpochMilli(lastUploadAt).toString());
        m.put("lastArchiveBytes", Map.of("ndjson", lastRawBytes, "compressed", lastCompressedBytes));
        m.put("bytesShipped", Map.of("ndjson", rawBytesTotal, "compressed", compressedBytesTotal));
        m.put("consecutiveFailures", failures);
        m.put("failures", failuresTotal);
        m.put("lastError", lastError);
        return m;
    }

    /** Prometheus: nervesys_archive_* (docs/archive.md). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nervesys.archive.lag.seconds", this, a -> a.lag().toMillis() / 1000.0)
                .description("Age of the oldest record not yet archived").register(registry);
        Gauge.builder("nervesys.archive.pending.bytes", this, a -> a.buffer.pendingBytes(CONSUMER))
                .description("NDJSON bytes waiting for the archiver").register(registry);
        FunctionCounter.builder("nervesys.archive.uploads", this, a -> a.archives)
                .description("Archives uploaded and confirmed").register(registry);
        FunctionCounter.builder("nervesys.archive.records", this, a -> a.archivedRecords)
                .description("Records archived").register(registry);
        FunctionCounter.builder("nervesys.archive.failures", this, a -> a.failuresTotal)
                .description("Failed archive attempts (each one retried with backoff)").register(registry);
        Gauge.builder("nervesys.archive.consecutive.failures", this, a -> a.failures)
                .description("Failed attempts since the last success").register(registry);
        Gauge.builder("nervesys.archive.last.upload.timestamp.seconds", this, a -> a.lastUploadAt / 1000.0)
                .description("When the last archive was confirmed (0: none since start)").register(registry);
        FunctionCounter.builder("nervesys.archive.bytes", this, a -> a.rawBytesTotal)
                .description("Bytes archived, before and after compression").tag("stage", "ndjson").register(registry);
        FunctionCounter.builder("nervesys.archive.bytes", this, a -> a.compressedBytesTotal)
                .description("Bytes archived, before and after compression").tag("stage", "compressed").register(registry);
    }

    /** When the last archive was confirmed, epoch ms; 0 when none was since start. */
    public long lastUploadAt() {
        return lastUploadAt;
    }

    public int consecutiveFailures() {
        return failures;
    }

    /** When the current streak of failures began, epoch ms; 0 while the last attempt succeeded. */
    public long failingSince() {
        return failures == 0 ? 0 : failingSince;
    }

    long pendingBytes() {
        return buffer.pendingBytes(CONSUMER);
    }

    long pendingRows() {
        return buffer.pendingRows(CONSUMER);
    }

    public String lastError() {
        return lastError;
    }

    ArchiveSettings settings() {
        return cfg;
    }

    S3Client s3() {
        return s3;
    }
}
