package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.ValueText;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Packs a {@link RecordBlock} into a block payload (docs/formats.md, "Block payload").
 *
 * <p>Two passes: the first checks ranges and computes, per coded column, each record's zigzag
 * residual against a per-source predictor (the first record of each source in the block is
 * written raw instead and seeds the predictor) (previous value + 1 for seq and frame, delta-of-delta
 * for times, previous value for int and float); it then picks per column the width that
 * minimises the block's size, with an escape code for the rare residual that does not fit. The
 * second pass writes records row by row. The predictor never depends on the escape decision,
 * which is what lets the width be chosen after the residuals are known.
 *
 * <p>Not thread-safe; one encoder per writer thread, reused across blocks.
 */
public final class BlockEncoder {

    static final int COL_SEQ = 0;
    static final int COL_FRAME = 1;
    static final int COL_TIME = 2;
    static final int FIXED_COLS = 3;

    private final Schema schema;
    private final FieldSpec[] specs;
    private final FieldType[] types;
    private final long[] minUnit;
    private final long[] maxUnit;
    /** Column of each field, or -1 for raw-coded fields. */
    private final int[] column;
    private final int columns;
    private final int[] rawBits;

    private long[][] resid = new long[0][];
    private byte[][][] utf8;
    private long[] prev = new long[0];
    private long[] prevDelta = new long[0];
    private int[] seenCount = new int[0];
    /** Per record: 0 for the first record of its source in the block, 1 for the second, 2 after. */
    private byte[] ordinal = new byte[0];
    private boolean[] first = new boolean[0];
    private int firsts;
    private int seconds;
    /** Per column: true for delta-of-delta columns, which need two raw values to start. */
    private final boolean[] dodColumn;
    private final int[] hist = new int[66];
    private final int[] width;

    public BlockEncoder(Schema schema) {
        this.schema = schema;
        int nf = schema.fieldCount();
        specs = schema.fields().toArray(new FieldSpec[0]);
        types = new FieldType[nf];
        minUnit = new long[nf];
        maxUnit = new long[nf];
        column = new int[nf];
        int c = FIXED_COLS;
        for (int f = 0; f < nf; f++) {
            types[f] = specs[f].type();
            minUnit[f] = specs[f].type() == FieldType.TIME ? 0 : specs[f].minUnit();
            maxUnit[f] = specs[f].maxUnit();
            column[f] = types[f].isDeltaCoded() ? c++ : -1;
        }
        columns = c;
        rawBits = new int[columns];
        rawBits[COL_SEQ] = rawBits[COL_FRAME] = rawBits[COL_TIME] = 64;
        for (int f = 0; f < nf; f++) {
            if (column[f] >= 0) {
                rawBits[column[f]] = specs[f].rawBits();
            }
        }
        width = new int[columns];
        utf8 = new byte[nf][][];
        dodColumn = new boolean[columns];
        dodColumn[COL_TIME] = true;
        for (int f = 0; f < nf; f++) {
            if (types[f] == FieldType.TIME) {
                dodColumn[column[f]] = true;
            }
        }
    }

    public Schema schema() {
        return schema;
    }

    /** Appends the block's payload to {@code out} (which the caller resets and finishes). */
    public void encode(RecordBlock b, BitWriter out) {
        int n = b.size();
        prepare(b, n);
        residuals(b, n);
        int srcCount = b.sourceCount();
        out.write(srcCount, 16);
        for (int s = 0; s < srcCount; s++) {
            byte[] name = b.sourceName(s).getBytes(StandardCharsets.UTF_8);
            if (name.length > 65535) {
                throw new IllegalArgumentException("source name longer than 65535 bytes: " + b.sourceName(s).substring(0, 40) + "...");
            }
            out.write(name.length, 16);
            out.writeBytes(name, 0, name.length);
        }
        for (int c = 0; c < columns; c++) {
            Arrays.fill(hist, 0);
            long[] r = resid[c];
            for (int i = 0; i < n; i++) {
                hist[Codes.histBucket(r[i])]++;
            }
            // first records of each source are written raw and carry residual 0: leave them out
            int rawCount = dodColumn[c] ? firsts + seconds : firsts;
            hist[1] -= rawCount;
            width[c] = Codes.bestWidth(hist, n - rawCount, rawBits[c]);
            out.write(width[c], Codes.WIDTH_BITS);
        }
        writeRecords(b, n, out, Codes.indexBits(srcCount));
    }

    private void prepare(RecordBlock b, int n) {
        if (resid.length != columns || resid[0].length < n) {
            resid = new long[columns][Math.max(n, b.capacity())];
        }
        int states = b.sourceCount() * columns;
        if (prev.length < states) {
            prev = new long[states];
            prevDelta = new long[states];
        }
        if (seenCount.length < b.sourceCount()) {
            seenCount = new int[b.sourceCount()];
        }
        Arrays.fill(seenCount, 0, b.sourceCount(), 0);
        if (first.length < n) {
            first = new boolean[Math.max(n, b.capacity())];
            ordinal = new byte[first.length];
        }
        firsts = 0;
        seconds = 0;
        for (int i = 0; i < n; i++) {
            int s = b.source[i];
            int seen = seenCount[s];
            ordinal[i] = (byte) Math.min(seen, 2);
            first[i] = seen == 0;
            firsts += seen == 0 ? 1 : 0;
            seconds += seen == 1 ? 1 : 0;
            if (seen < 2) {
                seenCount[s] = seen + 1;
            }
        }
    }

    private void residuals(RecordBlock b, int n) {
        long[] rs = resid[COL_SEQ];
        long[] rf = resid[COL_FRAME];
        long[] rt = resid[COL_TIME];
        for (int i = 0; i < n; i++) {
            int base = b.source[i] * columns;
            boolean raw = first[i];
            rs[i] = raw ? 0 : Codes.zigzag(b.seq[i] - prev[base + COL_SEQ] - 1);
            prev[base + COL_SEQ] = b.seq[i];
            rf[i] = raw ? 0 : Codes.zigzag(b.frame[i] - prev[base + COL_FRAME] - 1);
            prev[base + COL_FRAME] = b.frame[i];
            rt[i] = dod(base + COL_TIME, b.time[i], ordinal[i]);
        }
        for (int f = 0; f < specs.length; f++) {
            int c = column[f];
            switch (types[f]) {
                case INT, FLOAT -> {
                    long[] v = b.values[f];
                    long[] r = resid[c];
                    long lo = minUnit[f];
                    long hi = maxUnit[f];
                    for (int i = 0; i < n; i++) {
                        long x = v[i];
                        if (x < lo || x > hi) {
                            x = outOfRange(b, f, i);
                        }
                        int k = b.source[i] * columns + c;
                        r[i] = first[i] ? 0 : Codes.zigzag(x - prev[k]);
                        prev[k] = x;
                    }
                }
                case TIME -> {
                    long[] v = b.values[f];
                    long[] r = resid[c];
                    for (int i = 0; i < n; i++) {
                        r[i] = dod(b.source[i] * columns + c, v[i], ordinal[i]);
                    }
                }
                case BOOL, ENUM -> {
                    long[] v = b.values[f];
                    for (int i = 0; i < n; i++) {
                        if (v[i] < 0 || v[i] > maxUnit[f]) {
                            outOfRange(b, f, i);
                        }
                    }
                }
                case STRING -> encodeStrings(b, f, n);
            }
        }
    }

    /**
     * Delta-of-delta. The first two values of a source in the block are written raw (the first
     * has no delta, the second no previous delta), so that a regular clock costs 0 bits after.
     */
    private long dod(int k, long t, int ord) {
        long delta = ord == 0 ? 0 : t - prev[k];
        long r = ord < 2 ? 0 : Codes.zigzag(delta - prevDelta[k]);
        prev[k] = t;
        prevDelta[k] = delta;
        return r;
    }

    private long outOfRange(RecordBlock b, int f, int i) {
        FieldSpec spec = specs[f];
        long x = b.values[f][i];
        if (spec.clamp()) {
            x = Math.max(spec.minUnit(), Math.min(spec.maxUnit(), x));
            b.values[f][i] = x;
            return x;
        }
        String allowed = switch (spec.type()) {
            case BOOL -> "{0, 1}";
            case ENUM -> "the " + spec.enumValues().size() + " enum values";
            default -> "[" + ValueText.unitText(spec, spec.minUnit()) + ", " + ValueText.unitText(spec, spec.maxUnit()) + "]";
        };
        throw new ValueOutOfRangeException(spec.name(), ValueText.unitText(spec, x), allowed,
                "source " + b.sourceName(b.source[i]) + " seq " + b.seq[i]);
    }

    private void encodeStrings(RecordBlock b, int f, int n) {
        if (utf8[f] == null || utf8[f].length < n) {
            utf8[f] = new byte[Math.max(n, b.capacity())][];
        }
        String[] s = b.strings[f];
        int max = specs[f].maxLength();
        for (int i = 0; i < n; i++) {
            byte[] bytes = s[i] == null ? new byte[0] : s[i].getBytes(StandardCharsets.UTF_8);
            if (bytes.length > max) {
                throw new ValueOutOfRangeException(specs[f].name(), "of " + bytes.length + " UTF-8 bytes",
                        "maxLength " + max, "source " + b.sourceName(b.source[i]) + " seq " + b.seq[i]);
            }
            utf8[f][i] = bytes;
        }
    }

    private void writeRecords(RecordBlock b, int n, BitWriter out, int srcBits) {
        int nf = specs.length;
        for (int i = 0; i < n; i++) {
            out.write(b.type[i], 1);
            out.write(b.source[i], srcBits);
            boolean raw = first[i];
            coded(out, COL_SEQ, i, b.seq[i], raw);
            coded(out, COL_FRAME, i, b.frame[i], raw);
            coded(out, COL_TIME, i, b.time[i], ordinal[i] < 2);
            for (int f = 0; f < nf; f++) {
                switch (types[f]) {
                    case BOOL, ENUM -> out.write(b.values[f][i], specs[f].rawBits());
                    case STRING -> {
                        byte[] bytes = utf8[f][i];
                        out.write(bytes.length, specs[f].rawBits());
                        out.writeBytes(bytes, 0, bytes.length);
                    }
                    case TIME -> coded(out, column[f], i, b.values[f][i], ordinal[i] < 2);
                    default -> coded(out, column[f], i, b.values[f][i] - minUnit[f], raw);
                }
            }
        }
        for (int f = 0; f < nf; f++) {
            if (utf8[f] != null) {
                Arrays.fill(utf8[f], 0, n, null);
            }
        }
    }

    private void coded(BitWriter out, int c, int i, long raw, boolean rawOnly) {
        if (rawOnly) {
            out.write(raw, rawBits[c]);
            return;
        }
        int w = width[c];
        if (w == 0) {
            return;
        }
        long r = resid[c][i];
        long esc = Codes.escape(w);
        if (Long.compareUnsigned(r, esc) < 0) {
            out.write(r, w);
        } else {
            out.write(esc, w);
            out.write(raw, rawBits[c]);
        }
    }
}
