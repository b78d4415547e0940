package dev.nervesys.buffer;

import dev.nervesys.spi.StatusReporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one durable log: records as rows of a SQLite database in WAL mode, capped on disk.
 *
 * <p>Ids are assigned here, contiguous and never reused, so the rows present are always the range
 * {@code [firstId, headId]}: deletion only ever removes a prefix (shipped rows, or the oldest rows
 * under {@code drop-oldest}). Every row also stores {@code end_off}, the running total of body
 * bytes, so "how many bytes wait for consumer X" is a subtraction, not a scan.
 *
 * <p>Consumers (the archiver, later the ClickHouse shipper and the classifier) each own a named
 * cursor. A row is deleted once every enabled cursor is past it. One JDBC connection serves every
 * caller under a lock: SQLite has a single writer anyway, and with no second reader holding a
 * snapshot, {@code wal_checkpoint(TRUNCATE)} always succeeds, which is what keeps the WAL bounded.
 */
public final class RecordBuffer implements AutoCloseable, StatusReporter {

    private static final Logger LOG = LoggerFactory.getLogger(RecordBuffer.class);

    private final Path file;
    private final Connection conn;
    private final DiskBudget budget;
    private final WhenFull whenFull;
    private final long retryAfterSeconds;
    private final ReentrantLock lock = new ReentrantLock();
    private final Cursors cursors;
    private final PreparedStatement insert;
    private final PreparedStatement endOffOf;
    private long firstId;
    private long headId;
    private long headOffset;
    private long dropped;
    private long rejectedBatches;
    private long appended;

    private RecordBuffer(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds) throws SQLException {
        this.file = file;
        this.whenFull = whenFull;
        this.retryAfterSeconds = retryAfterSeconds;
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            // NORMAL in WAL mode survives a killed process (the WAL is in the OS cache); FULL would
            // also survive power loss, at one fsync per batch.
            s.execute("PRAGMA synchronous=" + System.getProperty("nervesys.buffer.synchronous", "NORMAL"));
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
                    + " received_at INTEGER NOT NULL, end_off INTEGER NOT NULL, body BLOB NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS cursors(name TEXT PRIMARY KEY, position INTEGER NOT NULL,"
                    + " end_off INTEGER NOT NULL, enabled INTEGER NOT NULL, state TEXT)");
            s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        }
        conn.setAutoCommit(false);
        int pageSize = queryLong("PRAGMA page_size", -1) > 0 ? (int) queryLong("PRAGMA page_size", 4096) : 4096;
        this.budget = new DiskBudget(file, maxBytes, pageSize);
        this.insert = conn.prepareStatement(
                "INSERT INTO records(id, kind, received_at, end_off, body) VALUES (?, ?, ?, ?, ?)");
        this.endOffOf = conn.prepareStatement("SELECT end_off FROM records WHERE id = ?");
        this.cursors = new Cursors(conn);
        loadPositions();
        conn.commit();
    }

    /** Opens (or creates) the buffer file; parent folders are created. */
    public static RecordBuffer open(Path file, long maxBytes, WhenFull whenFull, long retryAfterSeconds)
            throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new RecordBuffer(file, maxBytes, whenFull, retryAfterSeconds);
    }

    private void loadPositions() throws SQLException {
        long minId = queryLong("SELECT min(id) FROM records", 0);
        long maxId = queryLong("SELECT max(id) FROM records", 0);
        long maxCursor = Math.max(cursors.maxPosition(), queryLong("SELECT value FROM meta WHERE key='head'", 0));
        headId = Math.max(maxId, maxCursor);
        firstId = maxId > 0 ? minId : headId + 1;
        headOffset = maxId >= maxCursor && maxId > 0 ? endOff(maxId) : cursors.maxOffset();
        dropped = queryLong("SELECT value FROM meta WHERE key='dropped'", 0);
    }

    /**
     * Commits a batch in one transaction; when this returns, the rows survive a crash.
     *
     * @return the id of the last row
     * @throws BufferFullException under {@code reject} when the cap would be passed (nothing stored)
     */
    public long append(List<RecordKind> kinds, List<byte[]> bodies) throws BufferFullException {
        if (kinds.size() != bodies.size()) {
            throw new IllegalArgumentException("kinds and bodies differ in length");
        }
        if (bodies.isEmpty()) {
            return headId;
        }
        long bytes = 0;
        for (byte[] b : bodies) {
            bytes += b.length;
        }
        lock.lock();
        try {
            makeRoom(bytes, bodies.size());
            long now = System.currentTimeMillis();
            long id = headId;
            long off = headOffset;
            try {
                for (int i = 0; i < bodies.size(); i++) {
                    byte[] body = bodies.get(i);
                    off += body.length;
                    insert.setLong(1, ++id);
                    insert.setInt(2, kinds.get(i).code());
                    insert.setLong(3, now);
                    insert.setLong(4, off);
                    insert.setBytes(5, body);
                    insert.addBatch();
                }
                insert.executeBatch();
                conn.commit();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new IllegalStateException("buffer write failed: " + e.getMessage(), e);
            }
            if (firstId > headId) {
                firstId = headId + 1;
            }
            headId = id;
            headOffset = off;
            appended += bodies.size();
            checkpointIfLarge();
            return id;
        } finally {
            lock.unlock();
        }
    }

    private void makeRoom(long bytes, int rows) throws BufferFullException {
        while (!fits(bytes, rows)) {
            if (budget.walBytes() > 0) {
                checkpoint();
                if (fits(bytes, rows)) {
                    return;
                }
            }
            if (whenFull == WhenFull.REJECT || firstId > headId) {
                rejectedBatches++;
                throw new BufferFullException("buffer full: " + budget.onDisk() + " of " + budget.cap
                        + " bytes on disk (nervesys.buffer.maxBytes), " + rows + " records refused", retryAfterSeconds);
            }
            dropOldestChunk();
        }
    }

    private boolean fits(long bytes, int rows) {
        return budget.insertFits(bytes, rows, queryLongUnchecked("PRAGMA page_count"),
                queryLongUnchecked("PRAGMA freelist_count"));
    }

    private void dropOldestChunk() {
        long upTo;
        long rows;
        try {
            upTo = idAfterBytes(firstId - 1, budget.deleteChunkBytes());
            rows = upTo - firstId + 1;
            cursors.advanceAll(upTo, endOff(upTo));
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM records WHERE id <= ?")) {
                ps.setLong(1, upTo);
                ps.executeUpdate();
            }
            dropped += rows;
            putMeta("dropped", dropped);
            putMeta("head", headId);
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw new IllegalStateException("buffer drop failed: " + e.getMessage(), e);
        }
        LOG.warn("buffer full: dropped the {} oldest records (policy drop-oldest, {} dropped in total)", rows, dropped);
        firstId = upTo + 1;
        checkpoint();
    }

    /** Adds a consumer cursor if it does not exist; a new one starts at the oldest row present. */
    public void registerConsumer(String name) {
        withLock(() -> {
            long start = firstId - 1;
            cursors.register(name, start, start >= firstId ? endOff(start) : offsetBefore(firstId));
            conn.commit();
            return null;
        });
    }

    /** A disabled consumer no longer holds rows back (the ClickHouse shipper when no URL is set). */
    public void setConsumerEnabled(String name, boolean enabled) {
        withLock(() -> {
            cursors.setEnabled(name, enabled);
            conn.commit();
            deleteShipped();
            return null;
        });
    }

    /** Up to maxRows rows after {@code afterId}, oldest first. */
    public List<BufferedRecord> read(long afterId, int maxRows) {
        return withLock(() -> {
            List<BufferedRecord> out = new ArrayList<>(Math.min(maxRows, 4096));
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, kind, received_at, body FROM records WHERE id > ? ORDER BY id LIMIT ?")) {
                ps.setLong(1, afterId);
                ps.setInt(2, maxRows);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new BufferedRecord(rs.getLong(1), RecordKind.of(rs.getInt(2)), rs.getLong(3), rs.getBytes(4)));
                    }
                }
            }
            conn.commit();
            return out;
        });
    }

    public long position(String consumer) {
        return withLock(() -> cursors.get(consumer).position());
    }

    /** Body bytes after the consumer's cursor: what it still has to ship. */
    public long pendingBytes(String consumer) {
        return withLock(() -> headOffset - cursors.get(consumer).offset());
    }

    public long pendingRows(String consumer) {
        return withLock(() -> headId - Math.max(cursors.get(consumer).position(), firstId - 1));
    }

    /**
     * The last row id of the slice that starts after {@code afterId} and holds about {@code bytes}
     * body bytes (at least one row); {@code afterId} itself when nothing follows it.
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
     * deletes the rows every enabled consumer has shipped.
     */
    public void acknowledge(String consumer, long upToId, String newState) {
        withLock(() -> {
            long pos = Math.min(Math.max(upToId, cursors.get(consumer).position()), headId);
            long off = pos >= firstId ? endOff(pos) : Math.max(cursors.get(consumer).offset(), offsetBefore(firstId));
            cursors.move(consumer, pos, off, newState);
            putMeta("head", headId);
            conn.commit();
            deleteShipped();
            return null;
        });
    }

    private void deleteShipped() throws SQLException {
        long target = Math.min(cursors.minEnabledPosition(headId), headId);
        while (firstId <= target) {
            long upTo = Math.min(target, idAfterBytes(firstId - 1, budget.deleteChunkBytes()));
            long bytes = endOff(upTo) - offsetBefore(firstId);
            if (!budget.deleteFits(bytes, upTo - firstId + 1)) {
                checkpoint();
            }
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM records WHERE id <= ?")) {
                ps.setLong(1, upTo);
                ps.executeUpdate();
            }
            conn.commit();
            firstId = upTo + 1;
        }
        checkpointIfLarge();
    }

    /** Smallest id whose end offset reaches offsetBefore(after+1) + bytes; ids are contiguous, so bisect. */
    private long idAfterBytes(long afterId, long bytes) throws SQLException {
        if (afterId >= headId) {
            return afterId;
        }
        long target = offsetBefore(afterId + 1) + Math.max(1, bytes);
        long lo = afterId + 1;
        long hi = headId;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (endOff(mid) >= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private long offsetBefore(long id) throws SQLException {
        if (id > headId) {
            return headOffset;
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT end_off - length(body) FROM records WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : headOffset;
            }
        }
    }

    private long endOff(long id) throws SQLException {
        endOffOf.setLong(1, id);
        try (ResultSet rs = endOffOf.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("row " + id + " is not in the buffer");
            }
            return rs.getLong(1);
        }
    }

    private void checkpointIfLarge() {
        if (budget.walBytes() > budget.walCheckpointBytes) {
            checkpoint();
        }
    }

    private void checkpoint() {
        try (Statement s = conn.createStatement()) {
            conn.commit();
            conn.setAutoCommit(true);
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            LOG.warn("buffer checkpoint failed: {}", e.getMessage());
        } finally {
            try {
                conn.setAutoCommit(false);
            } catch (SQLException e) {
                LOG.warn("buffer: cannot restore transaction mode: {}", e.getMessage());
            }
        }
    }

    private void putMeta(String key, long value) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            ps.executeUpdate();
        }
    }

    private long queryLong(String sql, long whenNull) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? whenNull : v;
            }
            return whenNull;
        }
    }

    private long queryLongUnchecked(String sql) {
        try {
            return queryLong(sql, 0);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException e) {
            LOG.warn("buffer rollback failed: {}", e.getMessage());
        }
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

    public long bytesOnDisk() {
        return budget.onDisk();
    }

    public long maxBytes() {
        return budget.cap;
    }

    public long rows() {
        return withLock(() -> headId - firstId + 1);
    }

    public long dropped() {
        return withLock(() -> dropped);
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
        return withLock(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.toString());
            m.put("bytesOnDisk", budget.onDisk());
            m.put("maxBytes", budget.cap);
            m.put("whenFull", whenFull.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            m.put("rows", headId - firstId + 1);
            m.put("appended", appended);
            m.put("dropped", dropped);
            m.put("rejectedBatches", rejectedBatches);
            Map<String, Object> lag = new LinkedHashMap<>();
            for (Cursors.Cursor c : cursors.all()) {
                lag.put(c.name(), Map.of("enabled", c.enabled(), "pendingRows", headId - Math.max(c.position(), firstId - 1),
                        "pendingBytes", headOffset - c.offset()));
            }
            m.put("consumers", lag);
            return m;
        });
    }

    @Override
    public void close() {
        lock.lock();
        try {
            checkpoint();
            insert.close();
            endOffOf.close();
            conn.close();
        } catch (SQLException e) {
            LOG.warn("buffer close: {}", e.getMessage());
        } finally {
            lock.unlock();
        }
    }
}
