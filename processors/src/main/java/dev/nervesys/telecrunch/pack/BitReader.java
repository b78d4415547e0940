package dev.nervesys.telecrunch.pack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads bit fields MSB-first, the mirror of {@link BitWriter}. Reading past the end throws
 * {@link CorruptDataException} instead of returning zeros, so a corrupt length can never make the
 * decoder invent records.
 */
public final class BitReader {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int start;
    private long limitBits;
    private long pos;

    public BitReader() {
        this(new byte[0], 0, 0);
    }

    public BitReader(byte[] buf, int off, int len) {
        reset(buf, off, len);
    }

    public void reset(byte[] buf, int off, int len) {
        this.buf = buf;
        this.start = off;
        this.limitBits = (long) len * 8;
        this.pos = 0;
    }

    /** Reads {@code n} bits (0..64) as an unsigned value. */
    public long read(int n) {
        if (n == 0) {
            return 0;
        }
        if (pos + n > limitBits) {
            throw new CorruptDataException("read of " + n + " bits at bit " + pos + " runs past the end of the block ("
                    + limitBits + " bits)");
        }
        if (n <= 56) {
            long v = word(pos) << (pos & 7);
            pos += n;
            return v >>> (64 - n);
        }
        long hi = read(n - 32);
        return (hi << 32) | read(32);
    }

    public boolean readBit() {
        return read(1) != 0;
    }

    public void readBytes(byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            dst[off + i] = (byte) read(8);
        }
    }

    public long position() {
        return pos;
    }

    public long remaining() {
        return limitBits - pos;
    }

    /** 8 bytes starting at the byte holding bit {@code bit}, big-endian; zero-filled past the end. */
    private long word(long bit) {
        int idx = start + (int) (bit >>> 3);
        int end = start + (int) ((limitBits + 7) >>> 3);
        if (idx + 8 <= end) {
            return (long) LONGS.get(buf, idx);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (idx + i < end ? buf[idx + i] & 0xFF : 0);
        }
        return v;
    }
}
