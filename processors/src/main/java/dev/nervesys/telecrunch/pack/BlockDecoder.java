package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import java.nio.charset.StandardCharsets;

/** Unpacks a block payload written by {@link BlockEncoder} into a {@link RecordBlock}. Not thread-safe. */
public final class BlockDecoder {

    private final FieldSpec[] specs;
    private final FieldType[] types;
    private final long[] minUnit;
    private final int[] column;
    private final int columns;
    private final int[] rawBits;
    private final int[] width;
    private final BitReader in = new BitReader();
    private long[] prev = new long[0];
    private long[] prevDelta = new long[0];
    private int[] seenCount = new int[0];
    private byte[] strBuf = new byte[256];

    public BlockDecoder(Schema schema) {
        int nf = schema.fieldCount();
        specs = schema.fields().toArray(new FieldSpec[0]);
        types = new FieldType[nf];
        minUnit = new long[nf];
        column = new int[nf];
        int c = BlockEncoder.FIXED_COLS;
        for (int f = 0; f < nf; f++) {
            types[f] = specs[f].type();
            minUnit[f] = types[f] == FieldType.TIME ? 0 : specs[f].minUnit();
            column[f] = types[f].isDeltaCoded() ? c++ : -1;
        }
        columns = c;
        rawBits = new int[columns];
        rawBits[BlockEncoder.COL_SEQ] = rawBits[BlockEncoder.COL_FRAME] = rawBits[BlockEncoder.COL_TIME] = 64;
        for (int f = 0; f < nf; f++) {
            if (column[f] >= 0) {
                rawBits[column[f]] = specs[f].rawBits();
            }
        }
        width = new int[columns];
    }

    /**
     * Decodes {@code count} records from the payload into {@code out} (cleared first).
     *
     * @throws CorruptDataException when the payload is inconsistent (it passed its checksum, so
     *         this means a bug or a forged block)
     */
    public void decode(byte[] payload, int off, int len, int count, RecordBlock out) {
        if (count > out.capacity()) {
            throw new CorruptDataException("block claims " + count + " records, more than the reader's capacity "
                    + out.capacity());
        }
        out.clear();
        in.reset(payload, off, len);
        int srcCount = (int) in.read(16);
        if (srcCount == 0 && count > 0) {
            throw new CorruptDataException("block has records but no sources");
        }
        for (int s = 0; s < srcCount; s++) {
            int l = (int) in.read(16);
            byte[] name = new byte[l];
            in.readBytes(name, 0, l);
            out.sourceIndex(new String(name, StandardCharsets.UTF_8));
        }
        for (int c = 0; c < columns; c++) {
            width[c] = (int) in.read(Codes.WIDTH_BITS);
            if (width[c] > 64) {
                throw new CorruptDataException("column " + c + " has width " + width[c] + " > 64");
            }
        }
        resetState(srcCount);
        int srcBits = Codes.indexBits(srcCount);
        int nf = specs.length;
        for (int i = 0; i < count; i++) {
            byte type = (byte) in.read(1);
            int src = (int) in.read(srcBits);
            if (src >= srcCount) {
                throw new CorruptDataException("record " + i + " refers to source " + src + " of " + srcCount);
            }
            int base = src * columns;
            int ord = seenCount[src];
            if (ord < 2) {
                seenCount[src] = ord + 1;
            }
            boolean raw = ord == 0;
            long seq = plusOne(base + BlockEncoder.COL_SEQ, BlockEncoder.COL_SEQ, raw);
            long frame = plusOne(base + BlockEncoder.COL_FRAME, BlockEncoder.COL_FRAME, raw);
            long time = dod(base + BlockEncoder.COL_TIME, BlockEncoder.COL_TIME, 0, ord);
            int r = out.append(type, src, seq, frame, time);
            for (int f = 0; f < nf; f++) {
                switch (types[f]) {
                    case BOOL, ENUM -> out.values[f][r] = in.read(specs[f].rawBits());
                    case STRING -> out.strings[f][r] = readString(f);
                    case TIME -> out.values[f][r] = dod(base + column[f], column[f], 0, ord);
                    default -> out.values[f][r] = delta(base + column[f], column[f], minUnit[f], raw);
                }
            }
        }
    }

    private void resetState(int srcCount) {
        int states = srcCount * columns;
        if (prev.length < states) {
            prev = new long[states];
            prevDelta = new long[states];
        }
        if (seenCount.length < srcCount) {
            seenCount = new int[srcCount];
        }
        java.util.Arrays.fill(seenCount, 0, srcCount, 0);
    }

    private long plusOne(int k, int c, boolean raw) {
        int w = raw ? 0 : width[c];
        long v;
        long r = in.read(w);
        if (raw || (w > 0 && r == Codes.escape(w))) {
            v = in.read(64);
        } else {
            v = prev[k] + 1 + Codes.unzigzag(r);
        }
        prev[k] = v;
        return v;
    }

    private long delta(int k, int c, long min, boolean raw) {
        int w = raw ? 0 : width[c];
        long v;
        long r = in.read(w);
        if (raw || (w > 0 && r == Codes.escape(w))) {
            v = in.read(rawBits[c]) + min;
        } else {
            v = prev[k] + Codes.unzigzag(r);
        }
        prev[k] = v;
        return v;
    }

    private long dod(int k, int c, long min, int ord) {
        boolean raw = ord < 2;
        int w = raw ? 0 : width[c];
        long v;
        long r = in.read(w);
        if (raw || (w > 0 && r == Codes.escape(w))) {
            v = in.read(rawBits[c]) + min;
        } else {
            v = prev[k] + prevDelta[k] + Codes.unzigzag(r);
        }
        prevDelta[k] = ord == 0 ? 0 : v - prev[k];
        prev[k] = v;
        return v;
    }

    private String readString(int f) {
        int len = (int) in.read(specs[f].rawBits());
        if (len > specs[f].maxLength()) {
            throw new CorruptDataException("field '" + specs[f].name() + "': string length " + len + " > maxLength "
                    + specs[f].maxLength());
        }
        if (strBuf.length < len) {
            strBuf = new byte[Math.max(len, strBuf.length * 2)];
        }
        in.readBytes(strBuf, 0, len);
        return new String(strBuf, 0, len, StandardCharsets.UTF_8);
    }
}
