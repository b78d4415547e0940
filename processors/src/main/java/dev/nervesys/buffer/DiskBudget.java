package dev.nervesys.buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Keeps the SQLite file plus its WAL and shared-memory files under the cap.
 *
 * <p>SQLite cannot be told "never grow past N bytes", so every write is projected before it runs:
 * the database file only grows when the new pages outnumber the free list, and the WAL grows by one
 * frame per written page. Estimates are deliberately pessimistic. A {@link #reserve} stays free at
 * all times because deleting rows also writes WAL frames: without it a full buffer could not even
 * delete what the archiver has shipped.
 */
final class DiskBudget {

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
    private final Path db;
    private final Path wal;
    private final Path shm;

    DiskBudget(Path db, long cap, int pageSize) {
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
