package dev.nervesys.buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the SQLite file plus its WAL and shared-memory files under the cap.
 *
 * <p>SQLite cannot be told "never grow past N bytes", so every write is projected before it runs:
 * the database file only grows when the new pages outnumber the free list, and the WAL grows by one
 * frame per written page. Estimates are deliberately pessimistic. A {@link #reserve} stays free at
 * all times because deleting rows also writes WAL frames: without it a full buffer could not even
 * delete what the archiver has shipped.
 *
 * <p>It also makes the decisions that follow from the cap: checkpointing the WAL (explicitly, with
 * {@code TRUNCATE}, once it passes its share of the cap), whether a batch that does not fit makes
 * room by dropping the oldest records ({@code nervesys.buffer.whenFull}), and the refusals a batch
 * gets when it cannot be stored: the buffer is full, or the file system is (docs/buffer.md,
 * "Guarantees"). Called only by {@link RecordBuffer} under its lock, on its connection; a
 * checkpoint commits the open transaction first.
 */
final class DiskBudget {

    /** Logged under the buffer's name, where operators look for it. */
    private static final Logger LOG = LoggerFactory.getLogger(RecordBuffer.class);

    /** Record header, rowid, three integer columns, cell pointer: an upper bound per row. */
    private static final int ROW_OVERHEAD = 40;
    /** Pages a transaction rewrites besides new leaves: interior pages, the last leaf, page 1. */
    private static final int FIXED_PAGES = 8;
    private static final int WAL_FRAME_HEADER = 24;
    /** The -shm file grows by 32 KiB per 4096 WAL frames. */
    private static final long SHM_SLACK = 64 * 1024;

    final long cap;
    final long reserve;
    final long walCheckpointBytes;
    final int pageSize;
    final WhenFull whenFull;
    private final long retryAfterSeconds;
    private final Connection conn;
    private final Path db;
    private final Path wal;
    private final Path shm;
    /** Batches refused since the disk became full (0 = not full). */
    private long diskFullRefusals;

    DiskBudget(Connection conn, Path db, long cap, int pageSize, WhenFull whenFull, long retryAfterSeconds) {
        this.conn = conn;
        this.whenFull = whenFull;
        this.retryAfterSeconds = retryAfterSeconds;
        this.db = db;
        this.wal = db.resolveSibling(db.getFileName() + "-wal");
        this.shm = db.resolveSibling(db.getFileName() + "-shm");
        this.cap = cap;
        this.pageSize = pageSize;
        this.reserve = Math.max(16L * (pageSize + WAL_FRAME_HEADER), Math.min(8L << 20, cap / 10));
        this.walCheckpointBytes = Math.max(4L * pageSize, Math.min(16L << 20, cap / 8));
    }

    long dbBytes() {
        return size(db);
    }

    long walBytes() {
        return size(wal);
    }

    long onDisk() {
        return size(db) + size(wal) + size(shm);
    }

    /** Pages that {@code bodyBytes} in {@code rows} rows occupy, rounded up generously. */
    long pagesFor(long bodyBytes, long rows) {
        double usable = pageSize * 0.85;
        return (long) Math.ceil((bodyBytes + rows * ROW_OVERHEAD) / usable) + FIXED_PAGES;
    }

    long walBytesFor(long pages) {
        return pages * (pageSize + WAL_FRAME_HEADER);
    }

    /**
     * Whether inserting rows keeps file + WAL + shm + reserve within the cap.
     *
     * @param pageCount     PRAGMA page_count (the logical size, WAL included)
     * @param freelistCount PRAGMA freelist_count
     */
    boolean insertFits(long bodyBytes, long rows, long pageCount, long freelistCount) {
        long pages = pagesFor(bodyBytes, rows);
        long newPages = Math.max(0, pages - freelistCount);
        long projectedDb = Math.max(dbBytes(), (pageCount + newPages) * pageSize);
        long projectedWal = walBytes() + walBytesFor(pages);
        long projectedShm = size(shm) + SHM_SLACK;
        return projectedDb + projectedWal + projectedShm + reserve <= cap;
    }

    /** Whether a delete of that many body bytes fits beside the current files (it uses the reserve). */
    boolean deleteFits(long bodyBytes, long rows) {
        return dbBytes() + walBytes() + walBytesFor(pagesFor(bodyBytes, rows)) + size(shm) + SHM_SLACK <= cap;
    }

    /** Body bytes one delete chunk may remove so that its WAL frames stay within half the reserve. */
    long deleteChunkBytes() {
        long pages = reserve / 2 / (pageSize + WAL_FRAME_HEADER) - FIXED_PAGES;
        return Math.max(1, (long) (Math.max(1, pages) * pageSize * 0.85));
    }

    /** Whether a batch of {@code bytes} body bytes in {@code rows} chunk rows fits now. */
    boolean fits(long bytes, int rows) {
        return insertFits(bytes, rows, pragma("page_count"), pragma("freelist_count"));
    }

    /**
     * Whether the batch fits, checkpointing the WAL first when it does not and the WAL holds
     * anything: what an append tries before it drops records or refuses the batch.
     */
    boolean fitsAfterCheckpoint(long bytes, int rows) {
        if (fits(bytes, rows)) {
            return true;
        }
        if (walBytes() > 0) {
            checkpoint();
            return fits(bytes, rows);
        }
        return false;
    }

    /**
     * Whether a batch that does not fit makes room by dropping the oldest records: under
     * {@code drop-oldest}, while there are records to drop. Otherwise it is refused ({@link #full}).
     */
    boolean dropsOldest(boolean recordsHeld) {
        return whenFull == WhenFull.DROP_OLDEST && recordsHeld;
    }

    /** The refusal of a batch that does not fit under the cap (ingest answers 503 + Retry-After). */
    BufferFullException full() {
        return new BufferFullException("buffer full: " + onDisk() + " of " + cap
                + " bytes on disk (nervesys.buffer.maxBytes), records refused", retryAfterSeconds);
    }

    /**
     * The refusal of a batch the file system had no space for before the cap was reached: refused like
     * a full buffer (503 + Retry-After), whatever whenFull says; writes succeed again once space is back.
     * Logged once per episode: a log line per refused batch would fill what is left of the disk.
     */
    BufferFullException diskFullRefusal() {
        Path dir = db.toAbsolutePath().getParent();
        if (diskFullRefusals++ == 0) {
            LOG.warn("buffer: no space left on the file system of {}: batches are refused (503) until space is back", dir);
        }
        return new BufferFullException("disk full: no space left on the file system of the buffer (" + dir
                + "), records refused", retryAfterSeconds);
    }

    /** After a committed write: ends a disk-full episode, with one line. */
    void written() {
        if (diskFullRefusals > 0) {
            LOG.warn("buffer: space is back, batches are stored again ({} refused while the disk was full)", diskFullRefusals);
            diskFullRefusals = 0;
        }
    }

    /** SQLITE_FULL (13): the file system holding the buffer has no space left (the cap was not reached). */
    static boolean diskFull(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException q && (q.getErrorCode() & 0xFF) == 13) {
                return true;
            }
            if (t.getMessage() != null && (t.getMessage().contains("SQLITE_FULL") || t.getMessage().contains("No space left"))) {
                return true;
            }
        }
        return false;
    }

    void checkpointIfLarge() {
        if (walBytes() > walCheckpointBytes) {
            checkpoint();
        }
    }

    /**
     * Commits the open transaction and truncates the WAL. It always succeeds: the buffer's one
     * connection is the only reader, so no snapshot holds the WAL.
     */
    void checkpoint() {
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

    private long pragma(String name) {
        try {
            return BufferSchema.queryLong(conn, "PRAGMA " + name, 0);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
