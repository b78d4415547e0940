package dev.nervesys.archive;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.Backoff;
import dev.nervesys.spi.HeartbeatFigures;
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
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
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
public final class Archiver implements StatusReporter, MeterBinder, HeartbeatFigures.Archive {

    public static final String CONSUMER = "archive";
    public static final String TARGET = "NervesysArchiveTarget";
    public static final String BUCKET = "NervesysArchiveBucket";
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    private final RecordBuffer buffer;
    private final ArchiveSettings cfg;
    private final S3Client s3;
    private final Backoff backoff;
    private volatile String lastError;
    private volatile String lastKey;
    private volatile long archives;
    private volatile long archivedRecords;
    private volatile long failuresTotal;
    private volatile long lastUploadAt;
    /** Bytes of NDJSON and of compressed archives shipped, in total and for the last archive. */
    private volatile long rawBytesTotal;
    private volatile long compressedBytesTotal;
    private volatile long lastRawBytes;
    private volatile long lastCompressedBytes;
    /** What the last prepare wrote (the key and its sizes), for finish to count. */
    private volatile String writtenKey;
    private volatile ArchiveWriter.Written written;
    private final Lookahead ahead;
    private boolean workDirCleared;

    /**
     * @param s3 null when no bucket is configured (archives go to the local folder). Package-private,
     *           like {@link S3Side}: Camel's bean introspection reads the public constructors too.
     */
    Archiver(RecordBuffer buffer, ArchiveSettings cfg, S3Client s3) {
        this.buffer = buffer;
        this.cfg = cfg;
        this.s3 = s3;
        this.ahead = new Lookahead();
        this.backoff = new Backoff(cfg.backoffInitial(), cfg.backoffMax(), cfg.clock());
        buffer.registerConsumer(CONSUMER);
    }

    /** Whether an archive is due: a pending one, the size threshold, or the oldest row's age. */
    boolean due(long now) {
        if (backoff.waitingAt(now)) {
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
     * nothing is due. The route calls this again after each confirmed archive until it answers none
     * (or an attempt fails), so a backlog leaves back to back, not one archive per timer tick.
     */
    public void prepare(Exchange ex) throws IOException {
        Message m = ex.getMessage();
        if (!workDirCleared) {
            clearWorkDir(); // files of plans a crash or a stop left behind: every plan rewrites its own
            workDirCleared = true;
        }
        if (!due(cfg.clock().millis())) {
            m.setHeader(TARGET, "none");
            return;
        }
        ArchiveState state = ArchiveState.decode(buffer.consumerState(CONSUMER));
        if (!state.pending()) {
            state = planAfter(state, buffer.position(CONSUMER));
            if (state == null) {
                m.setHeader(TARGET, "none");
                return;
            }
            buffer.saveConsumerState(CONSUMER, state.encode());
        }
        Path work = workFile(state.key());
        ArchiveWriter.Written w = ahead.take(state, work);
        ahead.fill(state, ex);
        if (w == null) {
            w = ArchiveWriter.write(buffer, state.first(), state.last(), work, cfg.compression(), cfg.level());
        }
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

    /**
     * The archive after record {@code after} given the state after the previous one: the oldest
     * rows after it, about maxBytes of them, under the key of its first row's minute; null when no
     * row follows. Only reads the buffer: the same rows and state give the same plan.
     */
    ArchiveState planAfter(ArchiveState done, long after) {
        long last = buffer.sliceEnd(after, cfg.maxBytes());
        List<BufferedRecord> firstRow = buffer.read(after, 1);
        if (firstRow.isEmpty()) {
            return null;
        }
        return done.plan(firstRow.get(0).id(), last, firstRow.get(0).receivedAt(), cfg.prefix(), cfg.server(),
                cfg.extension());
    }

    /** After the aws2-s3 producer: reads the object's size back, then acknowledges the rows. */
    public void confirm(Exchange ex) throws IOException {
        ArchiveState state = ArchiveState.decode(buffer.consumerState(CONSUMER));
        Path work = workFile(state.key());
        long expected = Files.size(work);
        Long size = S3Side.contentLength(this, state.key());
        if (size == null || size != expected) {
            throw new IOException("uploaded " + state.key() + " has " + size + " bytes, expected " + expected);
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
        backoff.reset();
        lastError = null;
        lastKey = state.key();
        archives++;
        archivedRecords += state.last() - state.first() + 1;
        lastUploadAt = cfg.clock().millis();
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
        failuresTotal++;
        long delay = backoff.failed().toMillis();
        ex.getMessage().setHeader(TARGET, "none"); // ends this drain: the next tick after the backoff retries
        lastError = cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        LOG.warn("archive upload failed ({} in a row), retrying in {} ms: {}", backoff.failures(), delay, lastError);
    }

    private Path workFile(String key) {
        return cfg.workDir().resolve(key.replace('/', '_'));
    }

    private void clearWorkDir() throws IOException {
        if (!Files.isDirectory(cfg.workDir())) {
            return;
        }
        try (var files = Files.list(cfg.workDir())) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * The archives after the pending one, planned and compressed in the background (at most
     * nervesys.archive.threads of them) while full slices of maxBytes follow it: compression runs
     * beside the upload, on as many cores as that setting allows. None of it is committed. A job's
     * plan is the one {@link #prepare} computes anyway once its predecessor is acknowledged (the same
     * rows after the same state give the same key and the same bytes), and its file is used only when
     * the two are equal; any difference (rows dropped under drop-oldest) discards every job. A crash
     * loses nothing but the work: the work folder is cleared at the first prepare.
     */
    private final class Lookahead {

        private record Job(ArchiveState plan, Path file, Future<ArchiveWriter.Written> written, AtomicBoolean dropped) {
        }

        private final ArrayDeque<Job> jobs = new ArrayDeque<>();
        /** The plan the first job follows. */
        private ArchiveState base;
        private ExecutorService pool;
        private long seq;

        /** The background result for {@code state}, its file moved to {@code work}; null when the caller has to write it. */
        synchronized ArchiveWriter.Written take(ArchiveState state, Path work) throws IOException {
            Job j = jobs.peekFirst();
            if (j == null || state.equals(base)) {
                return null; // nothing ahead, or a retry of the archive the jobs follow: rewrite it, keep them
            }
            if (!state.equals(j.plan())) {
                LOG.debug("archive {}: planned ahead as {}, discarding {} background archive(s)", state.key(), j.plan().key(),
                        jobs.size());
                discard();
                return null;
            }
            jobs.pollFirst();
            base = state;
            try {
                ArchiveWriter.Written w = j.written().get();
                Files.move(j.file(), work, StandardCopyOption.REPLACE_EXISTING);
                return w;
            } catch (ExecutionException e) {
                LOG.debug("archive {}: background compression failed, writing it again: {}", state.key(), e.getCause().toString());
                discard();
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for archive " + state.key());
            }
        }

        /** Starts background compressions of the archives after {@code state} while full slices follow. */
        synchronized void fill(ArchiveState state, Exchange ex) {
            if (cfg.threads() == 0) {
                return;
            }
            if (jobs.isEmpty()) {
                base = state;
            }
            ArchiveState last = jobs.isEmpty() ? state : jobs.peekLast().plan();
            while (jobs.size() < cfg.threads()) {
                if (buffer.receivedAfter(buffer.sliceEnd(last.last(), cfg.maxBytes())) < 0) {
                    break; // no full slice yet: its end may still move, so it is planned when it is due
                }
                ArchiveState next = planAfter(last.done(), last.last());
                if (next == null) {
                    break;
                }
                if (pool == null || pool.isShutdown()) {
                    pool = ex.getContext().getExecutorServiceManager().newFixedThreadPool(Archiver.this, "ArchiveCompress",
                            cfg.threads());
                }
                Path file = cfg.workDir().resolve(workFile(next.key()).getFileName() + ".ahead-" + (++seq));
                AtomicBoolean dropped = new AtomicBoolean();
                ArchiveState plan = next;
                Future<ArchiveWriter.Written> f = pool.submit(() -> {
                    try {
                        ArchiveWriter.Written w = ArchiveWriter.write(buffer, plan.first(), plan.last(), file,
                                cfg.compression(), cfg.level());
                        if (dropped.get()) {
                            Files.deleteIfExists(file);
                        }
                        return w;
                    } catch (Exception | Error e) {
                        Files.deleteIfExists(file);
                        throw e;
                    }
                });
                jobs.addLast(new Job(plan, file, f, dropped));
                last = next;
            }
        }

        private void discard() throws IOException {
            for (Job j : jobs) {
                j.dropped().set(true);
                j.written().cancel(true);
                Files.deleteIfExists(j.file()); // a job still running deletes its own file when it ends
            }
            jobs.clear();
            base = null;
        }
    }

    @Override
    public Duration lag() {
        long oldest = buffer.receivedAfter(buffer.position(CONSUMER));
        return oldest < 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, cfg.clock().millis() - oldest));
    }

    @Override
    public String lastKey() {
        return lastKey;
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
        m.put("consecutiveFailures", backoff.failures());
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
        Gauge.builder("nervesys.archive.consecutive.failures", this, a -> a.backoff.failures())
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
        return backoff.failures();
    }

    /** When the current streak of failures began, epoch ms; 0 while the last attempt succeeded. */
    public long failingSince() {
        Instant since = backoff.failingSince();
        return since == null ? 0 : since.toEpochMilli();
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

    /**
     * The archiver's AWS SDK calls. Only here, in a nested class, do S3 types appear in a method's
     * signature (a lambda's included): Camel's bean introspection of the archiver reads every
     * declared method, which would load the SDK on an agent that archives to the local folder.
     */
    static final class S3Side {

        private S3Side() {
        }

        static S3Client client(Archiver archiver) {
            return archiver.s3;
        }

        /** The object's size as the bucket reports it (HEAD). */
        static Long contentLength(Archiver archiver, String key) {
            HeadObjectResponse head = archiver.s3.headObject(b -> b.bucket(archiver.cfg.bucket()).key(key));
            return head.contentLength();
        }
    }
}
