package dev.nervesys.clickhouse;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.common.Telemetry;
import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns buffer rows into rows for {@code events} (one per record) and {@code series} (one per
 * numeric field), keeping each record's rows contiguous so that a rejected insert can be split
 * record by record. Records that are not telemetry (logs, line-protocol points) are skipped;
 * telemetry that cannot be read or stored becomes a dead letter at once.
 *
 * <p>Each table is written either as RowBinary (the columns of {@link #EVENTS_COLUMNS} /
 * {@link #SERIES_COLUMNS} in that order, little-endian, strings as LEB128 length + bytes) or as
 * JSONEachRow (used when the table's columns are not the ones created by {@link ClickHouseSchema},
 * see {@link ClickHouseSchema#rowBinaryFits}). RowBinary has no row delimiter: one malformed value
 * would shift every later row, so every value is checked before anything of its record is written
 * and a record is written whole or not at all; each record's rows then form a stream of their own,
 * which is what lets bisection send any run of records.
 */
public final class RowEncoder {

    /** The RowBinary column order of {@code events}, as in the INSERT's column list. */
    public static final String EVENTS_COLUMNS = "run_id, source, type, frame, time, time_ns, seq, fields, buffer_id, received_at";
    /** The RowBinary column order of {@code series}. */
    public static final String SERIES_COLUMNS = "run_id, series, frame, time, time_ns, value, buffer_id";
    /**
     * Tests only: the buffer id whose RowBinary {@code fields} length is written wrong (larger than the
     * whole insert), the one kind of refusal RowBinary of these columns can meet. -1: none.
     */
    static volatile long corruptForTest = -1;

    /** One batch, encoded. Record i's events rows are events[eventOff[i], eventOff[i+1]). */
    public static final class Batch {
        public final Bytes events;
        public final Bytes series;
        /** The format of each table's bytes: RowBinary when true, JSONEachRow otherwise. */
        public final boolean eventsBinary;
        public final boolean seriesBinary;

        Batch(long inputBytes, boolean eventsBinary, boolean seriesBinary) {
            this.eventsBinary = eventsBinary;
            this.seriesBinary = seriesBinary;
            // sized from the input (events about 1.2x, series about 3.7x for 7 numeric fields): few copies while growing
            events = new Bytes((int) Math.min(1L << 28, Math.max(1 << 16, inputBytes * 5 / 4)));
            series = new Bytes((int) Math.min(1L << 29, Math.max(1 << 16, inputBytes * 4)));
        }
        public int[] eventOff = new int[1024];
        public int[] seriesOff = new int[1024];
        public long[] ids = new long[1024];
        public int records;
        public long seriesRows;
        /** The smallest and largest frame of the records encoded (a check for rows already stored can use the tables' keys). */
        public long minFrame = Long.MAX_VALUE;
        public long maxFrame = Long.MIN_VALUE;

        /** The smallest buffer id of the records encoded (Long.MAX_VALUE for none). */
        public long minId() {
            long lo = Long.MAX_VALUE;
            for (int i = 0; i < records; i++) {
                lo = Math.min(lo, ids[i]);
            }
            return lo;
        }

        /** The largest buffer id of the records encoded (Long.MIN_VALUE for none). */
        public long maxId() {
            long hi = Long.MIN_VALUE;
            for (int i = 0; i < records; i++) {
                hi = Math.max(hi, ids[i]);
            }
            return hi;
        }
        public final List<DeadLetters.Letter> rejected = new ArrayList<>();
        public final Map<String, Long> lastSeenByRun = new LinkedHashMap<>();
        public long skipped;
        private final Bytes scratch = new Bytes(128);
        private final Map<String, byte[]> prefixes = new java.util.HashMap<>();

        /**
         * {"run_id":"r","series":"source.field" (JSON) or run_id and series as RowBinary strings, made
         * once per batch and series.
         */
        byte[] seriesPrefix(String runId, String source, String field, int k) {
            // the record before had the same run, source and k-th field name (the same objects: Telemetry.read)
            if (k < memoPrefix.length && memoName[k] == field && memoRun[k] == runId && memoSource[k] == source) {
                return memoPrefix[k];
            }
            byte[] p = seriesPrefix(runId, source, field);
            if (k >= memoPrefix.length) {
                int n = Math.max(k + 1, memoPrefix.length * 2);
                memoPrefix = Arrays.copyOf(memoPrefix, n);
                memoName = Arrays.copyOf(memoName, n);
                memoRun = Arrays.copyOf(memoRun, n);
                memoSource = Arrays.copyOf(memoSource, n);
            }
            memoPrefix[k] = p;
            memoName[k] = field;
            memoRun[k] = runId;
            memoSource[k] = source;
            return p;
        }

        private byte[][] memoPrefix = new byte[16][];
        private String[] memoName = new String[16];
        private String[] memoRun = new String[16];
        private String[] memoSource = new String[16];
        private String lastRun;
        private byte[] lastRunBytes;
        private String lastSource;
        private byte[] lastSourceBytes;

        /** UTF-8 of a run id, made again only when it is not the object of the record before. */
        byte[] runBytes(String runId) {
            if (runId != lastRun) {
                lastRunBytes = runId.getBytes(StandardCharsets.UTF_8);
                lastRun = runId;
            }
            return lastRunBytes;
        }

        byte[] sourceBytes(String source) {
            if (source != lastSource) {
                lastSourceBytes = source.getBytes(StandardCharsets.UTF_8);
                lastSource = source;
            }
            return lastSourceBytes;
        }

        byte[] seriesPrefix(String runId, String source, String field) {
            String key = runId + '\u0000' + source + '\u0000' + field;
            byte[] p = prefixes.get(key);
            if (p == null) {
                if (seriesBinary) {
                    p = new Bytes(64).binString(runId).binString(source + "." + field).toArray();
                } else {
                    p = new Bytes(64).ascii("{\"run_id\":").string(runId).ascii(",\"series\":").string(source + "." + field).toArray();
                }
                prefixes.put(key, p);
            }
            return p;
        }

        void add(long id) {
            if (records + 1 >= ids.length) {
                ids = Arrays.copyOf(ids, ids.length * 2);
                eventOff = Arrays.copyOf(eventOff, ids.length);
                seriesOff = Arrays.copyOf(seriesOff, ids.length);
            }
            ids[records++] = id;
            eventOff[records] = events.size;
            seriesOff[records] = series.size;
        }
    }

    private RowEncoder() {
    }

    /** Both tables as JSONEachRow (the format ClickHouse's own insert rate is measured with). */
    public static Batch encode(List<BufferedRecord> rows) {
        return encode(rows, false, false);
    }

    public static Batch encode(List<BufferedRecord> rows, boolean eventsBinary, boolean seriesBinary) {
        long input = 0;
        for (BufferedRecord r : rows) {
            input += r.body().length;
        }
        Batch b = new Batch(input, eventsBinary, seriesBinary);
        Telemetry t = new Telemetry(); // one for the batch: repeated strings come back as the same objects
        for (BufferedRecord r : rows) {
            if (r.kind() != RecordKind.TELEMETRY) {
                b.skipped++;
                continue;
            }
            try {
                t.read(r.body());
                if (t.epochSecond < 0 || t.epochSecond > 4_294_967_295L) {
                    throw new IllegalArgumentException("time outside ClickHouse DateTime (1970..2106)");
                }
                check(t, r);
            } catch (IllegalArgumentException e) {
                b.rejected.add(new DeadLetters.Letter(r.id(), r.receivedAt(), r.body(), "events", "not storable: " + e.getMessage()));
                continue;
            }
            long receivedSec = r.receivedAt() / 1000;
            if (eventsBinary) {
                byte[] run = b.runBytes(t.runId);
                byte[] source = b.sourceBytes(t.source);
                b.events.binString(run, 0, run.length).binString(source, 0, source.length).u8(t.type.equals("update") ? 1 : 2).i64(t.frame)
                        .i32((int) t.epochSecond).i32(t.nanos).i64(t.seq).binString(r.body(), t.fieldsStart, t.fieldsEnd, r.id() == corruptForTest)
                        .i64(r.id()).i32((int) receivedSec);
            } else {
                b.events.ascii("{\"run_id\":").string(t.runId).ascii(",\"source\":").string(t.source)
                        .ascii(",\"type\":\"").ascii(t.type).ascii("\",\"frame\":").number(t.frame)
                        .ascii(",\"time\":").number(t.epochSecond).ascii(",\"time_ns\":").number(t.nanos)
                        .ascii(",\"seq\":").number(t.seq).ascii(",\"fields\":").rawAsString(r.body(), t.fieldsStart, t.fieldsEnd)
                        .ascii(",\"buffer_id\":").number(r.id()).ascii(",\"received_at\":").number(receivedSec).ascii("}\n");
            }
            if (t.count > 0) {
                Bytes se = b.series;
                if (seriesBinary) {
                    for (int i = 0; i < t.count; i++) {
                        se.raw(b.seriesPrefix(t.runId, t.source, t.names[i], i)).i64(t.frame).i32((int) t.epochSecond).i32(t.nanos)
                                .i64(Double.doubleToRawLongBits(t.values[i])).i64(r.id());
                    }
                } else {
                    // the parts every series row of this record shares, written once
                    byte[] mid = b.scratch.reset().ascii(",\"frame\":").number(t.frame).ascii(",\"time\":").number(t.epochSecond)
                            .ascii(",\"time_ns\":").number(t.nanos).ascii(",\"value\":").toArray();
                    byte[] tail = b.scratch.reset().ascii(",\"buffer_id\":").number(r.id()).ascii("}\n").toArray();
                    for (int i = 0; i < t.count; i++) {
                        se.raw(b.seriesPrefix(t.runId, t.source, t.names[i], i)).raw(mid).ascii(Double.toString(t.values[i])).raw(tail);
                    }
                }
            }
            b.seriesRows += t.count;
            b.minFrame = Math.min(b.minFrame, t.frame);
            b.maxFrame = Math.max(b.maxFrame, t.frame);
            b.add(r.id());
            b.lastSeenByRun.put(t.runId, r.receivedAt());
        }
        return b;
    }

    /**
     * Every value of the record checked against its column before any byte of it is written. In
     * RowBinary, ClickHouse 18.16 takes any bytes for String, any 8 for UInt64/Int64/Float64, any 4
     * for DateTime/UInt32 and any byte for Enum8 (an unlisted value is stored, not refused): a value
     * out of range would be stored wrong or shift the stream, never refused, so it is refused here.
     */
    private static void check(Telemetry t, BufferedRecord r) {
        long receivedSec = r.receivedAt() / 1000;
        if (receivedSec < 0 || receivedSec > 4_294_967_295L) {
            throw new IllegalArgumentException("receive time outside ClickHouse DateTime (1970..2106)");
        }
        if (t.nanos < 0 || t.nanos > 999_999_999 || t.frame < 0 || !(t.type.equals("update") || t.type.equals("event"))) {
            throw new IllegalArgumentException("time, frame or type out of range");
        }
    }

    /** A growable byte array with the few JSON writers the rows need. */
    public static final class Bytes {
        public byte[] buf;
        public int size;

        Bytes(int capacity) {
            buf = new byte[capacity];
        }

        private static final java.lang.invoke.VarHandle LONG_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final java.lang.invoke.VarHandle INT_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

        void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        Bytes ascii(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[size++] = (byte) s.charAt(i);
            }
            return this;
        }

        Bytes reset() {
            size = 0;
            return this;
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, size);
        }

        Bytes raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        /** One byte (Enum8, Int8, UInt8). */
        Bytes u8(int v) {
            ensure(1);
            buf[size++] = (byte) v;
            return this;
        }

        /** 4 bytes little-endian (UInt32, Int32, DateTime). */
        Bytes i32(int v) {
            ensure(4);
            INT_LE.set(buf, size, v);
            size += 4;
            return this;
        }

        /** 8 bytes little-endian (UInt64, Int64, Float64 bits). */
        Bytes i64(long v) {
            ensure(8);
            LONG_LE.set(buf, size, v);
            size += 8;
            return this;
        }

        /** A RowBinary String: LEB128 length, then the bytes. */
        Bytes binString(byte[] src, int from, int to) {
            return binString(src, from, to, false);
        }

        private Bytes binString(byte[] src, int from, int to, boolean corrupt) {
            int n = to - from;
            ensure(n + 5);
            int v = corrupt ? Integer.MAX_VALUE : n;
            while ((v & ~0x7F) != 0) {
                buf[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[size++] = (byte) v;
            System.arraycopy(src, from, buf, size, n);
            size += n;
            return this;
        }

        Bytes binString(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            return binString(utf8, 0, utf8.length);
        }

        Bytes number(long v) {
            return ascii(Long.toString(v));
        }

        Bytes string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            return rawAsString(utf8, 0, utf8.length);
        }

        /** The bytes as a JSON string: quotes, backslashes and control characters escaped. */
        Bytes rawAsString(byte[] src, int from, int to) {
            ensure((to - from) * 2 + 2);
            buf[size++] = '"';
            for (int i = from; i < to; i++) {
                byte c = src[i];
                if (c == '"' || c == '\\') {
                    buf[size++] = '\\';
                    buf[size++] = c;
                } else if (c >= 0 && c < 0x20) {
                    ensure(6 + (to - i) * 2);
                    String u = String.format("\\u%04x", (int) c);
                    for (int k = 0; k < 6; k++) {
                        buf[size++] = (byte) u.charAt(k);
                    }
                } else {
                    buf[size++] = c;
                }
            }
            buf[size++] = '"';
            return this;
        }
    }
}
