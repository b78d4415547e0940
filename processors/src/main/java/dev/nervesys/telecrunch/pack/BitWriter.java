package dev.nervesys.telecrunch.pack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Appends bit fields MSB-first to a growable byte array. Bits gather in a 64-bit accumulator
 * that is stored 8 bytes at a time, so writing a value costs a few shifts and no allocation.
 * Reusable: {@link #reset()} keeps the buffer.
 */
public final class BitWriter {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int bytePos;
    private long acc;
    private int accBits;

    public BitWriter() {
        this(1 << 16);
    }

    public BitWriter(int initialBytes) {
        buf = new byte[Math.max(16, initialBytes)];
    }

    public void reset() {
        bytePos = 0;
        acc = 0;
        accBits = 0;
    }

    /** Writes the low {@code n} bits of {@code value}, most significant first; n in 0..64. */
    public void write(long value, int n) {
        if (n == 0) {
            return;
        }
        if (n < 64) {
            value &= (1L << n) - 1;
        }
        int free = 64 - accBits;
        if (n < free) {
            acc = (acc << n) | value;
            accBits += n;
            return;
        }
        int rest = n - free;
        long word = (free == 64 ? 0 : acc << free) | (value >>> rest);
        ensure(8);
        LONGS.set(buf, bytePos, word);
        bytePos += 8;
        acc = rest == 0 ? 0 : value & ((1L << rest) - 1);
        accBits = rest;
    }

    public void writeBit(boolean bit) {
        write(bit ? 1 : 0, 1);
    }

    /** Writes whole bytes (strings), 8 bits each. */
    public void writeBytes(byte[] bytes, int off, int len) {
        for (int i = 0; i < len; i++) {
            write(bytes[off + i], 8);
        }
    }

    /** Bits written so far. */
    public long bitLength() {
        return (long) bytePos * 8 + accBits;
    }

    /** Pads the last byte with zero bits and returns the number of bytes; the data is in {@link #buffer()}. */
    public int finish() {
        while (accBits >= 8) {
            ensure(1);
            buf[bytePos++] = (byte) (acc >>> (accBits - 8));
            accBits -= 8;
        }
        if (accBits > 0) {
            ensure(1);
            buf[bytePos++] = (byte) (acc << (8 - accBits));
        }
        acc = 0;
        accBits = 0;
        return bytePos;
    }

    /** The backing array; valid up to the length returned by {@link #finish()}. */
    public byte[] buffer() {
        return buf;
    }

    private void ensure(int more) {
        if (bytePos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, bytePos + more));
        }
    }
}
