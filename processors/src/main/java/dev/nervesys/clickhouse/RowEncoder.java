package dev.nervesys.clickhouse;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordKind;
import dev.nervesys.runs.Telemetry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns buffer rows into JSONEachRow lines for {@code events} (one per record) and {@code series}
 * (one per numeric field), keeping each record's lines contiguous so that a rejected insert can be
 * split record by record. Records that are not telemetry (logs, line-protocol points) are skipped;
 * telemetry that cannot be read becomes a dead letter at once.
 */
public final class RowEncoder {

    /** One batch, encoded. Record i's events line is events[eventOff[i], eventOff[i+1]). */
    public static final class Batch {
        public final Bytes events;
        public final Bytes series;

        Batch(long inputBytes) {
            // sized from the input (events about 1.2x, series about 3.7x for 7 numeric fields): few copies while growing
            events = new Bytes((int) Math.min(1L << 28, Math.max(1 << 16, inputBytes * 5 / 4)));
            series = new Bytes((int) Math.min(1L << 29, Math.max(1 << 16, inputBytes * 4)));
        }
        public int[] eventOff = new int[1024];
        public int[] seriesOff = new int[1024];
        public long[] ids = new long[1024];
        public int records;
        public long seriesRows;
        public final List<DeadLetters.Letter> rejected = new ArrayList<>();
        public final Map<String, Long> lastSeenByRun = new LinkedHashMap<>();
        public long skipped;
        private final Bytes scratch = new Bytes(128);
        private final Map<String, byte[]> prefixes = new java.util.HashMap<>();

        /** {"run_id":"r","series":"source.field" as bytes, made once per batch and series. */
        byte[] seriesPrefix(String runId, String source, String field) {
            String key = runId + '\u0000' + source + '\u0000' + field;
            byte[] p = prefixes.get(key);
            if (p == null) {
                p = new Bytes(64).ascii("{\"run_id\":").string(runId).ascii(",\"series\":").string(source + "." + field).toArray();
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

    public static Batch encode(List<BufferedRecord> rows) {
        long input = 0;
        for (BufferedRecord r : rows) {
            input += r.body().length;
        }
        Batch b = new Batch(input);
        for (BufferedRecord r : rows) {
            if (r.kind() != RecordKind.TELEMETRY) {
                b.skipped++;
                continue;
            }
            Telemetry t;
            try {
                t = Telemetry.parse(r.body());
                if (t.epochSecond < 0 || t.epochSecond > 4_294_967_295L) {
                    throw new IllegalArgumentException("time outside ClickHouse DateTime (1970..2106)");
                }
            } catch (IllegalArgumentException e) {
                b.rejected.add(new DeadLetters.Letter(r.id(), r.receivedAt(), r.body(), "events", "not storable: " + e.getMessage()));
                continue;
            }
            long receivedSec = r.receivedAt() / 1000;
            Bytes ev = b.events;
            ev.ascii("{\"run_id\":").string(t.runId).ascii(",\"source\":").string(t.source)
                    .ascii(",\"type\":\"").ascii(t.type).ascii("\",\"frame\":").number(t.frame)
                    .ascii(",\"time\":").number(t.epochSecond).ascii(",\"time_ns\":").number(t.nanos)
                    .ascii(",\"seq\":").number(t.seq).ascii(",\"fields\":").rawAsString(r.body(), t.fieldsStart, t.fieldsEnd)
                    .ascii(",\"buffer_id\":").number(r.id()).ascii(",\"received_at\":").number(receivedSec).ascii("}\n");
            if (t.count > 0) {
                // the parts every series row of this record shares, written once
                Bytes se = b.series;
                byte[] mid = b.scratch.reset().ascii(",\"frame\":").number(t.frame).ascii(",\"time\":").number(t.epochSecond)
                        .ascii(",\"time_ns\":").number(t.nanos).ascii(",\"value\":").toArray();
                byte[] tail = b.scratch.reset().ascii(",\"buffer_id\":").number(r.id()).ascii("}\n").toArray();
                for (int i = 0; i < t.count; i++) {
                    se.raw(b.seriesPrefix(t.runId, t.source, t.names[i])).raw(mid).ascii(Double.toString(t.values[i])).raw(tail);
                }
            }
            b.seriesRows += t.count;
            b.add(r.id());
            b.lastSeenByRun.put(t.runId, r.receivedAt());
        }
        return b;
    }

    /** A growable byte array with the few JSON writers the rows need. */
    public static final class Bytes {
        public byte[] buf;
        public int size;

        Bytes(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int more) {
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
