package dev.nervesys.buffer;

import dev.nervesys.buffer.ChunkCodec.Chunk;
import dev.nervesys.buffer.ChunkCodec.Packed;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one durable log: records in a SQLite database in WAL mode, capped on disk.
 *
 * <p>Records are stored in <em>chunks</em>: one SQLite row holds up to {@link #CHUNK_RECORDS}
 * consecutive records (their bodies back to back, one kind byte and one varint length per record),
 * so a request of 5,000 records costs a handful of rows instead of 5,000 (docs/buffer.md). Every
 * method still speaks record ids: ids are assigned here, contiguous and never reused, and the records
 * present are always the range {@code [firstId, headId]}. Deletion only ever removes a prefix:
 * records every enabled consumer has shipped are gone at once (logically, {@code firstId} moves and is
 * persisted), their chunk's row is deleted once all its records are gone. Every chunk stores the
 * running total of body bytes before and after it, so "how many bytes wait for consumer X" is a
 * subtraction and "the slice of N bytes after X" one indexed lookup plus a walk through one chunk.
 *
 * <p>Consumers (the archiver, the ClickHouse shipper) each own a named cursor. One JDBC connection
 * serves every caller under a lock: SQLite has a single writer anyway, and with no second reader
 * holding a snapshot, {@code wal_checkpoint(TRUNCATE)} always succeeds, which keeps the WAL bounded.
 *
 * <p>This class is the buffer's API, its positions ({@code firstId}, {@code headId}, the head's
 * offset and the counters) and its lock; what it does under that lock is split by job, all
 * package-private and called only from here: {@link BufferSchema} (the connection, the tables, the
 * conversion of older files), {@link ChunkCodec} (chunk layout and compression), {@link Cursors}
 * (the consumers' table), {@link DiskBudget} (the cap, WAL checkpoints, whenFull and the refusals) and
 * {@link BufferMetrics} (meters and console).
 */
public final class RecordBuffer implements AutoCloseable, StatusReporter, MeterBinder, HeartbeatFigures.Buffer {

    private static final Logger LOG = LoggerFactory.getLogger(RecordBuffer.class);
    /** Records in one chunk at most ({@link ChunkCodec#CHUNK_RECORDS}). */
    static final int CHUNK_RECORDS = ChunkCodec.CHUNK_RECORDS;

    private final Path file;
    private final Connection conn;
    private final DiskBudget budget;
    private final long chunkBytes;
    /** zstd level for new chunks, or ChunkCodec.NO_COMPRESSION (nervesys.buffer.compression). */
    private final int zstdLevel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Cursors cursors;
    private final PreparedStatement insert;
    private final PreparedStatement chunkAt;
    /** First record not yet shipped by every enabled consumer (nor dropped). */
    private long firstId;
    private long headId;
    private long headOffset;
    private long dropped;
    private long rejectedBatches;
    private long appended;
    private MeterRegistry registry;
    /** The last storage error of an append (disk full, read-only file system), cleared by the next commit. */
    private volatile String writeError;

    private RecordBuffer(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds, int zstdLevel,
                         String synchronous) throws SQLException {
        this.file = file;
        this.zstdLevel = zstdLevel;
        this.chunkBytes = ChunkCodec.chunkBytes(maxBytes);
        this.conn = BufferSchema.connect(file, synchronous);
        this.budget = new DiskBudget(conn, file, maxBytes, BufferSchema.pageSize(conn), whenFull, retryAfterSeconds);
        this.insert = conn.prepareStatement(ChunkCodec.INSERT);
        this.chunkAt = conn.prepareStatement(ChunkCodec.CHUNK_META + " FROM chunks WHERE last_id >= ? ORDER BY last_id LIMIT 1");
        this.cursors = new Cursors(conn);
        conn.commit();
        BufferSchema.migrateRowPerRecord(conn, insert, chunkBytes, zstdLevel);
        loadPositions();
        conn.commit();
    }

    /** Opens (or creates) the buffer file with zstd level 1 chunks; parent folders are created. */
    public static RecordBuffer open(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds)
            throws Exception {
        return open(file, maxBytes, whenFull, retryAfterSeconds, "zstd", 1);
    }

    /**
     * Opens (or creates) the buffer file; parent folders are created.
     *
     * @param compression how new chunk bodies are stored: {@code zstd} or {@code none}
     *                    (nervesys.buffer.compression; chunks already stored keep theirs)
     * @param level       the zstd level (nervesys.buffer.compressionLevel)
     */
    public static RecordBuffer open(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds,
            String compression, int level) throws Exception {
        return open(file, maxBytes, whenFull, retryAfterSeconds, compression, level, "NORMAL");
    }

    /**
     * As above, with SQLite's {@code synchronous} mode (nervesys.buffer.synchronous): {@code NORMAL}
     * survives a killed process, {@code FULL} also a power loss, at one fsync per batch.
     */
    public static RecordBuffer open(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds,
            String compression, int level, String synchronous) throws Exception {
        String sync = BufferSchema.synchronous(synchronous);
        int zstdLevel = ChunkCodec.zstdLevel(compression, level);
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new RecordBuffer(file, maxBytes, whenFull, retryAfterSeconds, zstdLevel, sync);
    }

    /** Reads the positions held in memory from the file: at open, and after a failed write. */
    private void loadPositions() throws SQLException {
        long physicalFirst = BufferSchema.queryLong(conn, "SELECT first_id FROM chunks ORDER BY last_id LIMIT 1", 0);
        long maxId = BufferSchema.queryLong(conn, "SELECT max(last_id) FROM chunks", 0);
        long maxCursor = Math.max(cursors.maxPosition(), BufferSchema.meta(conn, "head"));
        headId = Math.max(maxId, maxCursor);
        // the logical start: persisted after each delete, and never behind what every enabled
        // consumer has acknowledged (a crash between the two commits of acknowledge loses nothing)
        long shipped = cursors.minEnabledPosition(headId) + 1;
        firstId = maxId > 0 ? Math.max(Math.max(physicalFirst, shipped), BufferSchema.meta(conn, "first")) : headId + 1;
        headOffset = maxId >= maxCursor && maxId > 0
                ? BufferSchema.queryLong(conn, "SELECT end_off FROM chunks ORDER BY last_id DESC LIMIT 1", 0)
                : cursors.maxOffset();
        dropped = BufferSchema.meta(conn, "dropped");
    }

    /**
     * Commits a batch in one transaction; when this returns, the records survive a crash.
     *
     * @return the id of the last record
     * @throws BufferFullException under {@code reject} when the cap would be passed (nothing stored)
     */
    public long append(List<RecordKind> kinds, List<byte[]> bodies) throws BufferFullException {
        if (kinds.size() != bodies.size()) {
            throw new IllegalArgumentException("kinds and bodies differ in length");
        }
        if (bodies.isEmpty()) {
            return headId;
        }
        // chunks are cut and compressed before the lock: requests in parallel compress in parallel
        int n = bodies.size();
        List<Packed> chunks = new ArrayList<>(n / CHUNK_RECORDS + 1);
        long stored = 0;
        long inChunk = 0;
        int start = 0;
        for (int i = 0; i < n; i++) {
            int len = bodies.get(i).length;
            if (ChunkCodec.chunkFull(i - start, inChunk, len, chunkBytes)) {
                Packed p = ChunkCodec.pack(kinds, bodies, start, i, zstdLevel);
                chunks.add(p);
                stored += p.storedBytes();
                start = i;
                inChunk = 0;
            }
            inChunk += len;
        }
        Packed last = ChunkCodec.pack(kinds, bodies, start, n, zstdLevel);
        chunks.add(last);
        stored += last.storedBytes();
        lock.lock();
        try {
            makeRoom(stored, chunks.size());
            long now = System.currentTimeMillis();
            long id = headId + 1;
            long off = headOffset;
            try {
                for (Packed p : chunks) {
                    ChunkCodec.addInsert(insert, id, now, off, p);
                    id += p.count();
                    off += p.rawBytes();
                }
                insert.executeBatch();
                conn.commit();
            } catch (SQLException e) {
                clearBatchQuietly();
                boolean full = DiskBudget.diskFull(e);
                rollbackQuietly(full);
                writeError = String.valueOf(e.getMessage());
                if (full) {
                    // the file system is full before the cap: nothing of the batch is stored
                    rejectedBatches++;
                    throw budget.diskFullRefusal();
                }
                throw new IllegalStateException("buffer write failed: " + e.getMessage(), e);
            }
            writeError = null;
            budget.written();
            if (firstId > headId) {
                firstId = headId + 1;
            }
            headId += n;
            headOffset = off;
            appended += n;
            budget.checkpointIfLarge();
            return headId;
        } finally {
            lock.unlock();
        }
    }

    /** Until the batch fits: drops the oldest records under drop-oldest, else refuses the batch. */
    private void makeRoom(long bytes, int rows) throws BufferFullException {
        while (!budget.fitsAfterCheckpoint(bytes, rows)) {
            if (!budget.dropsOldest(firstId <= headId)) {
                rejectedBatches++;
                throw budget.full();
            }
            dropOldestChunk();
        }
    }

    /** drop-oldest: removes the oldest records, whole chunks of about deleteChunkBytes. */
    private void dropOldestChunk() {
        long upTo;
        long rows;
        try {
            Chunk c = chunkAt(idAfterBytes(firstId - 1, budget.deleteChunkBytes()));
            upTo = c.lastId;
            rows = upTo - firstId + 1;
            cursors.advanceAll(upTo, c.endOff);
            deleteChunksUpTo(upTo);
            dropped += rows;
            BufferSchema.putMeta(conn, "dropped", dropped);
            BufferSchema.putMeta(conn, "head", headId);
            BufferSchema.putMeta(conn, "first", upTo + 1);
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw new IllegalStateException("buffer drop failed: " + e.getMessage(), e);
        }
        LOG.warn("buffer full: dropped the {} oldest records (policy drop-oldest, {} dropped in total)", rows, dropped);
        firstId = upTo + 1;
        budget.checkpoint();
    }

    /** Adds a consumer cursor if it does not exist; a new one starts at the oldest record present. */
    public void registerConsumer(String name) {
        MeterRegistry r = withLock(() -> {
            cursors.register(name, firstId - 1, offsetBefore(firstId));
            conn.commit();
            return registry;
        });
        if (r != null) {
            BufferMetrics.bindConsumer(this, r, name);
        }
    }

    /** Prometheus: nervesys_buffer_* (docs/buffer.md); consumers registered later are added then. */
    @Override
    public void bindTo(MeterRegistry registry) {
        BufferMetrics.bind(this, registry);
        List<String> names = withLock(() -> {
            this.registry = registry;
            return cursors.names();
        });
        for (String name : names) {
            BufferMetrics.bindConsumer(this, registry, name);
        }
    }

    /** NDJSON bytes of the records held (before compression). */
    public long recordBytes() {
        return withLock(() -> headOffset - offsetBefore(firstId));
    }

    /** A disabled consumer no longer holds records back (the ClickHouse shipper when no URL is set). */
    public void setConsumerEnabled(String name, boolean enabled) {
        withLock(() -> {
            cursors.setEnabled(name, enabled);
            conn.commit();
            deleteShipped();
            return null;
        });
    }

    /** Up to maxRows records after {@code afterId}, oldest first. */
    public List<BufferedRecord> read(long afterId, int maxRows) {
        return withLock(() -> {
            long after = Math.max(afterId, firstId - 1);
            List<BufferedRecord> out = new ArrayList<>(Math.min(maxRows, 4096));
            if (maxRows <= 0 || after >= headId) {
                return out;
            }
            try (PreparedStatement ps = conn.prepareStatement(ChunkCodec.CHUNK_META + ", body FROM chunks WHERE last_id > ? ORDER BY last_id")) {
                ps.setLong(1, after);
                try (ResultSet rs = ps.executeQuery()) {
                    while (out.size() < maxRows && rs.next()) {
                        Chunk c = Chunk.of(rs);
                        c.records(after, maxRows - out.size(), c.body(rs.getBytes(9)), out);
                    }
                }
            }
            conn.commit();
            return out;
        });
    }

    /**
     * When the first record after {@code afterId} was committed (epoch ms), or -1 when none follows:
     * read from the chunk's header, without its body.
     */
    public long receivedAfter(long afterId) {
        return withLock(() -> {
            long after = Math.max(afterId, firstId - 1);
            return after >= headId ? -1 : chunkAt(after + 1).receivedAt;
        });
    }

    public long position(String consumer) {
        return withLock(() -> cursors.get(consumer).position());
    }

    /** Body bytes after the consumer's cursor: what it still has to ship. */
    public long pendingBytes(String consumer) {
        return withLock(() -> cursors.get(consumer).pendingBytes(headOffset));
    }

    public long pendingRows(String consumer) {
        return withLock(() -> cursors.get(consumer).pendingRows(headId, firstId));
    }

    /**
     * The last record id of the slice that starts after {@code afterId} and holds about {@code bytes}
     * body bytes (at least one record); {@code afterId} itself when nothing follows it.
     */
    public long sliceEnd(long afterId, long bytes) {
        return withLock(() -> idAfterBytes(Math.max(afterId, firstId - 1), bytes));
    }

    /** Consumer state kept beside its cursor (the archiver's pending upload), or null. */
    public String consumerState(String consumer) {
        return withLock(() -> cursors.get(consumer).state());
    }

    public void saveConsumerState(String consumer, String state) {
        withLock(() -> {
            cursors.saveState(consumer, state);
            conn.commit();
            return null;
        });
    }

    /**
     * Moves the cursor to {@code upToId} (shipped) and sets its state in the same transaction, then
     * deletes the records every enabled consumer has shipped.
     */
    public void acknowledge(String consumer, long upToId, String newState) {
        withLock(() -> {
            long pos = Math.min(Math.max(upToId, cursors.get(consumer).position()), headId);
            long off = pos >= firstId ? endOff(pos) : Math.max(cursors.get(consumer).offset(), offsetBefore(firstId));
            cursors.move(consumer, pos, off, newState);
            BufferSchema.putMeta(conn, "head", headId);
            conn.commit();
            deleteShipped();
            return null;
        });
    }

    private void deleteShipped() throws SQLException {
        long target = Math.min(cursors.minEnabledPosition(headId), headId);
        if (target >= firstId) {
            firstId = target + 1;
            BufferSchema.putMeta(conn, "first", firstId);
            conn.commit();
        }
        // whole chunks behind firstId go, in pieces whose WAL frames fit the reserve
        long physicalStart;
        while ((physicalStart = BufferSchema.queryLong(conn, "SELECT start_off FROM chunks WHERE last_id < " + firstId
                + " ORDER BY last_id LIMIT 1", -1)) >= 0) {
            long upTo;
            try (PreparedStatement ps = conn.prepareStatement("SELECT coalesce((SELECT last_id FROM chunks WHERE last_id < ?"
                    + " AND end_off <= ? ORDER BY last_id DESC LIMIT 1), (SELECT min(last_id) FROM chunks))")) {
                ps.setLong(1, firstId);
                ps.setLong(2, physicalStart + budget.deleteChunkBytes());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    upTo = rs.getLong(1);
                }
            }
            long bytes = endOff(upTo) - physicalStart;
            if (!budget.deleteFits(bytes, 1 + bytes / chunkBytes)) {
                budget.checkpoint();
            }
            deleteChunksUpTo(upTo);
            conn.commit();
        }
        budget.checkpointIfLarge();
    }

    private void deleteChunksUpTo(long lastId) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM chunks WHERE last_id <= ?")) {
            ps.setLong(1, lastId);
            ps.executeUpdate();
        }
    }

    /** Smallest id after afterId whose end offset reaches offsetBefore(afterId + 1) + bytes. */
    private long idAfterBytes(long afterId, long bytes) throws SQLException {
        if (afterId >= headId) {
            return afterId;
        }
        long target = offsetBefore(afterId + 1) + Math.max(1, bytes);
        try (PreparedStatement ps = conn.prepareStatement(ChunkCodec.CHUNK_META
                + " FROM chunks WHERE last_id > ? AND end_off >= ? ORDER BY last_id LIMIT 1")) {
            ps.setLong(1, afterId);
            ps.setLong(2, target);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Chunk.of(rs).firstReaching(afterId, target) : headId;
            }
        }
    }

    /** The chunk holding record id; an SQLException when no chunk does. */
    private Chunk chunkAt(long id) throws SQLException {
        Chunk c = findChunk(id);
        if (c == null) {
            throw new SQLException("record " + id + " is not in the buffer");
        }
        return c;
    }

    /** The chunk holding record id, or null when no chunk does. */
    private Chunk findChunk(long id) throws SQLException {
        chunkAt.setLong(1, id);
        try (ResultSet rs = chunkAt.executeQuery()) {
            Chunk c = rs.next() ? Chunk.of(rs) : null;
            return c == null || c.firstId > id ? null : c;
        }
    }

    private long offsetBefore(long id) throws SQLException {
        Chunk c = id > headId ? null : findChunk(id);
        return c == null ? headOffset : c.offsetBefore(id);
    }

    private long endOff(long id) throws SQLException {
        return chunkAt(id).offsetBefore(id + 1);
    }

    /**
     * After a failed write: rolls back, and brings the connection and the positions held in memory
     * back to what is on disk. SQLite rolls a transaction back by itself on some errors (SQLITE_FULL,
     * SQLITE_IOERR); the driver's rollback then fails ("no transaction is active") and skips the
     * BEGIN it issues after each rollback, so every later statement committed on its own and every
     * commit failed: once the disk had been full, ingest answered 500 until the agent was restarted
     * (bench/validation/fault-diskfull.py).
     */
    private void rollbackQuietly() {
        rollbackQuietly(false);
    }

    /** @param expected the caller reports the failure itself (disk full): no warning per rollback */
    private void rollbackQuietly(boolean expected) {
        try {
            conn.rollback();
        } catch (SQLException e) {
            if (!expected) {
                LOG.warn("buffer rollback failed ({}): SQLite already rolled the transaction back; starting a new one",
                        e.getMessage());
            }
            try (Statement s = conn.createStatement()) {
                s.execute("BEGIN");
            } catch (SQLException again) {
                LOG.warn("buffer: cannot start a transaction: {}", again.getMessage());
            }
        }
        try {
            cursors.reload();
            loadPositions();
            conn.commit();
        } catch (SQLException e) {
            LOG.warn("buffer: cannot read the positions back after a failed write: {}", e.getMessage());
        }
    }

    private void clearBatchQuietly() {
        try {
            insert.clearBatch();
        } catch (SQLException e) {
            LOG.warn("buffer: cannot clear the insert batch: {}", e.getMessage());
        }
    }

    /**
     * Runs a PRAGMA on the buffer's own connection; for tests only (PRAGMA max_page_count makes SQLite
     * answer SQLITE_FULL as a full disk does, without a file system of its own).
     */
    long pragmaForTests(String pragma) {
        return withLock(() -> {
            conn.commit();
            long v = BufferSchema.queryLong(conn, "PRAGMA " + pragma, -1);
            conn.commit();
            return v;
        });
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private <T> T withLock(SqlWork<T> work) {
        lock.lock();
        try {
            return work.run();
        } catch (SQLException e) {
            rollbackQuietly();
            throw new IllegalStateException("buffer: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long bytesOnDisk() {
        return budget.onDisk();
    }

    public WhenFull whenFull() {
        return budget.whenFull;
    }

    /**
     * For the data-path health check: null when the buffer can be written, else the storage error.
     * After a failed append it writes one small row again (a probe) to see whether the cause is gone.
     */
    public String writeError() {
        if (writeError == null) {
            return null;
        }
        lock.lock();
        try {
            BufferSchema.putMeta(conn, "health_probe", System.currentTimeMillis());
            conn.commit();
            writeError = null;
        } catch (SQLException e) {
            rollbackQuietly();
            writeError = String.valueOf(e.getMessage());
        } finally {
            lock.unlock();
        }
        return writeError;
    }

    /**
     * For the readiness check: whether a batch of one chunk would be stored now without dropping
     * anything. Under {@code drop-oldest} a full buffer still accepts (it drops the oldest rows);
     * under {@code reject} it refuses, and ingest answers 503.
     */
    public boolean hasRoomForOneChunk() {
        lock.lock();
        try {
            // as an append: fits, maybe after a checkpoint, or drop-oldest makes room (reject refuses)
            return budget.fitsAfterCheckpoint(chunkBytes, 1) || budget.dropsOldest(firstId <= headId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long maxBytes() {
        return budget.cap;
    }

    @Override
    public long rows() {
        return withLock(() -> headId - firstId + 1);
    }

    @Override
    public long dropped() {
        return withLock(() -> dropped);
    }

    /** Records committed since start (a meter). */
    long appended() {
        return withLock(() -> appended);
    }

    /** Batches refused since start, the cap or the file system being full (a meter). */
    long rejectedBatches() {
        return withLock(() -> rejectedBatches);
    }

    public Path file() {
        return file;
    }

    @Override
    public String statusName() {
        return "buffer";
    }

    @Override
    public Map<String, Object> status() {
        return withLock(() -> BufferMetrics.status(file, budget, zstdLevel, headId - firstId + 1,
                headOffset - offsetBefore(firstId), appended, dropped, rejectedBatches,
                cursors.lag(headId, firstId, headOffset)));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            budget.checkpoint();
            insert.close();
            chunkAt.close();
            conn.close();
        } catch (SQLException e) {
            LOG.warn("buffer close: {}", e.getMessage());
        } finally {
            lock.unlock();
        }
    }
}
