package dev.nervesys.buffer;

import com.github.luben.zstd.Zstd;
import dev.nervesys.spi.RecordKind;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How records are laid out in a chunk, the row of table {@code chunks} that holds up to
 * {@link #CHUNK_RECORDS} consecutive records (docs/buffer.md, "Storage" and "Compression"): the id
 * range, the commit time, the running body offsets before and after it, one kind byte and one varint
 * length per record, and the bodies back to back, stored as they are or compressed with zstd.
 *
 * <p>Static helpers and two small types only: {@link RecordBuffer#append} and {@link RecordBuffer#read}
 * call them on their hot paths, so the codec has no object (and no field to go through) of its own.
 */
final class ChunkCodec {

    /** Records in one chunk at most. */
    static final int CHUNK_RECORDS = 4096;
    /**
     * Body bytes in one chunk at most (a single larger record gets a chunk of its own): below G1's
     * humongous-object size (half a 1 MB region), so chunk arrays stay cheap young garbage.
     */
    static final long CHUNK_BYTES_MAX = 256 << 10;
    /** The columns {@link Chunk#of} reads, in its order; the body is column 9 when selected after them. */
    static final String CHUNK_META = "SELECT first_id, last_id, received_at, start_off, end_off, kinds, lens, codec";
    /** The statement {@link #addInsert} binds. */
    static final String INSERT = "INSERT INTO chunks(last_id, first_id, received_at, start_off, end_off,"
            + " kinds, lens, codec, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Chunk body codes (column {@code codec}). */
    static final int STORED = 0;
    static final int ZSTD = 1;
    /** A zstd level that means: store new chunks uncompressed. */
    static final int NO_COMPRESSION = Integer.MIN_VALUE;

    private ChunkCodec() {
    }

    /**
     * The zstd level for new chunks, or {@link #NO_COMPRESSION}.
     *
     * @param compression {@code zstd} or {@code none} (nervesys.buffer.compression)
     * @param level       the zstd level (nervesys.buffer.compressionLevel)
     */
    static int zstdLevel(String compression, int level) {
        return switch (compression.trim().toLowerCase(Locale.ROOT)) {
            case "zstd" -> {
                if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel()) {
                    throw new IllegalArgumentException("nervesys.buffer.compressionLevel must be between "
                            + Zstd.minCompressionLevel() + " and " + Zstd.maxCompressionLevel() + ", not " + level);
                }
                yield level;
            }
            case "none" -> NO_COMPRESSION;
            default -> throw new IllegalArgumentException(
                    "nervesys.buffer.compression must be zstd or none, not '" + compression + "'");
        };
    }

    /** For the console: {@code none} or {@code zstd level N}. */
    static String describe(int zstdLevel) {
        return zstdLevel == NO_COMPRESSION ? "none" : "zstd level " + zstdLevel;
    }

    /** Body bytes per chunk for a cap: cap / 64, at least 16 KiB, at most {@link #CHUNK_BYTES_MAX}. */
    static long chunkBytes(long maxBytes) {
        return Math.max(16 << 10, Math.min(CHUNK_BYTES_MAX, maxBytes / 64));
    }

    /**
     * Whether a chunk of {@code records} records and {@code bytes} body bytes is closed before a
     * record of {@code next} bytes.
     */
    static boolean chunkFull(int records, long bytes, int next, long chunkBytes) {
        return records > 0 && (records == CHUNK_RECORDS || bytes + next > chunkBytes);
    }

    /** A chunk ready to insert: its body as stored (maybe compressed), kinds and varint lengths. */
    record Packed(int count, int rawBytes, byte[] kinds, byte[] lens, int codec, byte[] body) {
        long storedBytes() {
            return body.length + kinds.length + lens.length;
        }
    }

    /**
     * Records [from, to) of the lists as one chunk, compressed at {@code zstdLevel} unless that is
     * {@link #NO_COMPRESSION} or the body does not shrink.
     */
    static Packed pack(List<RecordKind> kinds, List<byte[]> bodies, int from, int to, int zstdLevel) {
        int count = to - from;
        int total = 0;
        for (int i = from; i < to; i++) {
            total += bodies.get(i).length;
        }
        byte[] body = new byte[total];
        byte[] kindBytes = new byte[count];
        byte[] lens = new byte[count * 5];
        int pos = 0;
        int lp = 0;
        for (int i = from; i < to; i++) {
            byte[] b = bodies.get(i);
            System.arraycopy(b, 0, body, pos, b.length);
            pos += b.length;
            kindBytes[i - from] = (byte) kinds.get(i).code();
            lp = putVarint(lens, lp, b.length);
        }
        lens = Arrays.copyOf(lens, lp);
        if (zstdLevel != NO_COMPRESSION) {
            byte[] packed = Zstd.compress(body, zstdLevel);
            if (packed.length < body.length) {
                return new Packed(count, total, kindBytes, lens, ZSTD, packed);
            }
        }
        return new Packed(count, total, kindBytes, lens, STORED, body);
    }

    /** Adds one chunk row to the batch of {@code insert} (a statement prepared from {@link #INSERT}). */
    static void addInsert(PreparedStatement insert, long firstRecordId, long receivedAt, long startOff, Packed p)
            throws SQLException {
        insert.setLong(1, firstRecordId + p.count() - 1);
        insert.setLong(2, firstRecordId);
        insert.setLong(3, receivedAt);
        insert.setLong(4, startOff);
        insert.setLong(5, startOff + p.rawBytes());
        insert.setBytes(6, p.kinds());
        insert.setBytes(7, p.lens());
        insert.setInt(8, p.codec());
        insert.setBytes(9, p.body());
        insert.addBatch();
    }

    static int putVarint(byte[] out, int pos, int value) {
        while ((value & ~0x7f) != 0) {
            out[pos++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out[pos++] = (byte) value;
        return pos;
    }

    /** One chunk row without its body: ids, offsets, and per record its kind and body length. */
    static final class Chunk {
        final long firstId;
        final long lastId;
        final long receivedAt;
        final long startOff;
        final long endOff;
        final byte[] kinds;
        final int[] lens;
        final int codec;

        private Chunk(long firstId, long lastId, long receivedAt, long startOff, long endOff, byte[] kinds, int[] lens,
                int codec) {
            this.codec = codec;
            this.firstId = firstId;
            this.lastId = lastId;
            this.receivedAt = receivedAt;
            this.startOff = startOff;
            this.endOff = endOff;
            this.kinds = kinds;
            this.lens = lens;
        }

        /** Reads the columns of {@link #CHUNK_META}. */
        static Chunk of(ResultSet rs) throws SQLException {
            long first = rs.getLong(1);
            long last = rs.getLong(2);
            byte[] packed = rs.getBytes(7);
            int[] lens = new int[(int) (last - first + 1)];
            for (int i = 0, p = 0; i < lens.length; i++) {
                int v = 0;
                int shift = 0;
                byte b;
                do {
                    b = packed[p++];
                    v |= (b & 0x7f) << shift;
                    shift += 7;
                } while (b < 0);
                lens[i] = v;
            }
            return new Chunk(first, last, rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getBytes(6), lens, rs.getInt(8));
        }

        /** The records' bytes back to back, from the body column as stored. */
        byte[] body(byte[] stored) throws SQLException {
            if (codec == STORED) {
                return stored;
            }
            if (codec != ZSTD) {
                throw new SQLException("chunk " + lastId + " has an unknown codec " + codec);
            }
            byte[] raw = Zstd.decompress(stored, (int) (endOff - startOff));
            if (raw.length != endOff - startOff) {
                throw new SQLException("chunk " + lastId + " decompressed to " + raw.length + " bytes, not "
                        + (endOff - startOff));
            }
            return raw;
        }

        /** Body bytes before record id (id may be lastId + 1: the chunk's end). */
        long offsetBefore(long id) {
            if (id > lastId) {
                return endOff;
            }
            long off = startOff;
            for (int i = 0; i < id - firstId; i++) {
                off += lens[i];
            }
            return off;
        }

        /** The first record after afterId whose end offset reaches target, else the last one. */
        long firstReaching(long afterId, long target) {
            long off = startOff;
            for (int i = 0; i < lens.length; i++) {
                off += lens[i];
                if (firstId + i > afterId && off >= target) {
                    return firstId + i;
                }
            }
            return lastId;
        }

        /** Appends the records after afterId, up to max of them, cut from the chunk's body. */
        void records(long afterId, int max, byte[] body, List<BufferedRecord> out) {
            int pos = 0;
            int added = 0;
            for (int i = 0; i < lens.length && added < max; i++) {
                int end = pos + lens[i];
                if (firstId + i > afterId) {
                    out.add(new BufferedRecord(firstId + i, RecordKind.of(kinds[i]), receivedAt,
                            Arrays.copyOfRange(body, pos, end)));
                    added++;
                }
                pos = end;
            }
        }
    }
}
