package dev.nervesys.ingest;

import dev.nervesys.common.Utf8;
import dev.nervesys.spi.RecordKind;

/**
 * InfluxDB line protocol, per its specification, turned into one JSON record per point:
 * {@code {"measurement":"cpu","tags":{"host":"a"},"fields":{"v":1.5,"n":3},"time":1700000000000000000}}
 * with time in epoch nanoseconds (docs/records.md). Floats are always written with a decimal
 * point or exponent and integers never are, so the field type survives the trip.
 *
 * <p>Not thread-safe (it reuses one output buffer): one instance per request or per thread.
 */
public final class LineProtocolParser {

    private final JsonOut out = new JsonOut();
    private byte[] b;
    private int n;
    /** Newlines inside the string field values of the current point (they may hold newlines). */
    private int stringNewlines;
    /** Set by scanName: the name just scanned can be written as it is. */
    private boolean plainName;
    /** Set when the current point has a byte above 0x7F in a name or string: its UTF-8 is checked. */
    private boolean highBytes;

    /**
     * Parses {@code body[0..length)} into {@code batch}.
     *
     * @param nowNanos    the time given to points without a timestamp (InfluxDB uses the receive time)
     * @param extraFields JSON members appended to every record, such as {@code ,"db":"telegraf"}, or ""
     */
    public void parse(byte[] body, int length, Precision precision, long nowNanos, String extraFields, ParsedBatch batch) {
        this.b = body;
        this.n = length;
        int pos = 0;
        int line = 1;
        while (pos < n) {
            int i = skipBlanks(pos);
            if (i >= n) {
                break;
            }
            if (b[i] == '\n' || b[i] == '#' || (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n')) {
                int end = lineEnd(i);
                line++;
                pos = end;
                continue;
            }
            int end;
            try {
                stringNewlines = 0;
                highBytes = false;
                end = point(i, precision, nowNanos, extraFields);
                batch.add(RecordKind.POINT, out.toBytes());
                // the same count as newlinesIn(pos, end) without a second pass over the line:
                // the terminator (if any) plus the newlines inside string field values
                int c = stringNewlines + (b[end - 1] == '\n' ? 1 : 0);
                line += c == 0 && end >= n ? 1 : c;
            } catch (LpError e) {
                batch.reject(line, e.getMessage());
                end = lineEnd(i);
                line += newlinesIn(pos, end);
            }
            pos = end;
        }
        this.b = null;
    }

    private int point(int start, Precision precision, long nowNanos, String extraFields) {
        out.reset();
        out.raw("{\"measurement\":");
        int i = scanName(start, false);
        if (i == start) {
            throw new LpError("missing measurement");
        }
        writeName(start, i, plainName);
        out.raw(",\"tags\":{");
        boolean first = true;
        while (i < n && b[i] == ',') {
            int k = i + 1;
            int ke = scanName(k, true);
            boolean plainKey = plainName;
            if (ke == k) {
                throw new LpError("missing tag key");
            }
            if (ke >= n || b[ke] != '=') {
                throw new LpError("missing tag value");
            }
            int v = ke + 1;
            int ve = scanName(v, true);
            boolean plainValue = plainName;
            if (ve == v) {
                throw new LpError("missing tag value");
            }
            if (ve < n && b[ve] == '=') {
                throw new LpError("invalid tag format (unescaped '=' in a tag value)");
            }
            if (!first) {
                out.raw(',');
            }
            first = false;
            writeName(k, ke, plainKey);
            out.raw(':');
            writeName(v, ve, plainValue);
            i = ve;
        }
        out.raw("},\"fields\":{");
        if (i >= n || b[i] != ' ') {
            throw new LpError("missing fields");
        }
        i = skipSpaces(i);
        if (i >= n || isLineEnd(b[i])) {
            throw new LpError("missing fields");
        }
        first = true;
        while (true) {
            int k = i;
            int ke = scanName(k, true);
            boolean plainKey = plainName;
            if (ke == k) {
                throw new LpError("missing field key");
            }
            if (ke >= n || b[ke] != '=') {
                throw new LpError("missing field value");
            }
            if (!first) {
                out.raw(',');
            }
            first = false;
            writeName(k, ke, plainKey);
            out.raw(':');
            i = fieldValue(ke + 1);
            if (i < n && b[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        out.raw('}');
        long time = nowNanos;
        int timeFrom = -1;
        int timeTo = -1;
        if (i < n && b[i] == ' ') {
            i = skipSpaces(i);
            if (i < n && !isLineEnd(b[i])) {
                int te = i;
                while (te < n && b[te] != ' ' && !isLineEnd(b[te])) {
                    te++;
                }
                if (precision == Precision.NANOSECONDS && FieldValues.plainLong(b, i, te)) {
                    timeFrom = i; // nanoseconds already: copied, not parsed and printed
                    timeTo = te;
                } else {
                    time = timestamp(i, te, precision);
                }
                i = skipSpaces(te);
            }
        }
        if (i < n && b[i] == '\r') {
            i++;
        }
        if (i < n && b[i] != '\n') {
            throw new LpError("unexpected text after the " + (time == nowNanos && timeFrom < 0 ? "fields" : "timestamp"));
        }
        out.raw(",\"time\":");
        if (timeFrom >= 0) {
            out.raw(b, timeFrom, timeTo);
        } else {
            out.rawLong(time);
        }
        if (highBytes) {
            checkUtf8(start, i);
        }
        out.raw(extraFields).raw('}');
        return i < n ? i + 1 : i;
    }

    /** The stored record is JSON, which must be UTF-8: a line that is not is rejected, like a parse error. */
    private void checkUtf8(int from, int to) {
        for (int k = from; k < to; k++) {
            if (b[k] < 0) {
                int next = Utf8.sequenceEnd(b, k, to);
                if (next < 0) {
                    throw new LpError("invalid UTF-8 at byte " + (k - from + 1) + " of the line");
                }
                k = next - 1;
            }
        }
    }

    private int fieldValue(int i) {
        if (i >= n) {
            throw new LpError("missing field value");
        }
        if (b[i] == '"') {
            int j = i + 1;
            while (j < n && b[j] != '"') {
                j += b[j] == '\\' && j + 1 < n && (b[j + 1] == '"' || b[j + 1] == '\\') ? 2 : 1;
            }
            if (j >= n) {
                throw new LpError("unterminated string field value");
            }
            boolean plain = true;
            for (int k = i + 1; k < j; k++) {
                byte c = b[k];
                if (c < 0) {
                    highBytes = true;
                } else if (c == '\\' || c < 0x20) {
                    plain = false;
                    if (c == '\n') {
                        stringNewlines++;
                    }
                }
            }
            if (plain) {
                out.quoted(b, i + 1, j);
            } else {
                writeUnescapedString(i + 1, j);
            }
            return j + 1;
        }
        int e = i;
        while (e < n && b[e] != ',' && b[e] != ' ' && !isLineEnd(b[e])) {
            e++;
        }
        if (e == i) {
            throw new LpError("missing field value");
        }
        FieldValues.write(b, i, e, out);
        return e;
    }

    private long timestamp(int from, int to, Precision precision) {
        long v = FieldValues.parseLong(b, from, to, "invalid timestamp");
        try {
            return precision.toNanos(v);
        } catch (ArithmeticException ex) {
            throw new LpError("timestamp out of range");
        }
    }

    /**
     * Scans a measurement (no '=' stop) or key/tag value up to an unescaped separator; sets
     * {@link #plainName} when the name holds no backslash, quote or control byte (its JSON string is
     * then the bytes themselves between quotes).
     */
    private int scanName(int i, boolean stopAtEquals) {
        byte[] table = stopAtEquals ? KEY_BYTES : MEASUREMENT_BYTES;
        boolean plain = true;
        while (i < n) {
            byte c = b[i];
            byte kind = table[c & 0xff];
            if (kind == ORDINARY) {
                i++;
            } else if (kind == STOP) {
                break;
            } else if (c == '\\') {
                plain = false;
                i += i + 1 < n && isEscapable(b[i + 1]) ? 2 : 1;
            } else {
                if (c < 0) {
                    highBytes = true; // non-ASCII needs no escape, but must be valid UTF-8
                } else {
                    plain = false; // a quote or control byte: JSON escapes it
                }
                i++;
            }
        }
        plainName = plain;
        return i;
    }

    private static final byte ORDINARY = 0;
    private static final byte STOP = 1;
    private static final byte ESCAPE = 2;
    /** Per byte value: what it means inside a measurement name. */
    private static final byte[] MEASUREMENT_BYTES = byteKinds(false);
    /** Per byte value: what it means inside a tag key, tag value or field key ('=' also ends them). */
    private static final byte[] KEY_BYTES = byteKinds(true);

    private static byte[] byteKinds(boolean keyContext) {
        byte[] t = new byte[256];
        for (int c = 0; c < 0x20; c++) {
            t[c] = ESCAPE;
        }
        for (int c = 0x80; c < 0x100; c++) {
            t[c] = ESCAPE;
        }
        t['"'] = ESCAPE;
        t['\\'] = ESCAPE;
        t[','] = STOP;
        t[' '] = STOP;
        t['\n'] = STOP;
        t['\r'] = STOP;
        if (keyContext) {
            t['='] = STOP;
        }
        return t;
    }

    private void writeName(int from, int to, boolean plain) {
        if (plain) {
            out.quoted(b, from, to);
        } else {
            writeUnescaped(from, to);
        }
    }

    /**
     * The escapes removed from names: "\," "\ " and "\=", in a measurement too: '=' needs no escape
     * there, but influxdb-java escapes it and InfluxDB stores "a\=b" as measurement "a=b".
     */
    private static boolean isEscapable(byte c) {
        return c == ',' || c == ' ' || c == '=';
    }

    private void writeUnescaped(int from, int to) {
        int plain = from;
        JsonOut o = out;
        // fast path: no backslash at all
        boolean any = false;
        for (int i = from; i < to; i++) {
            if (b[i] == '\\') {
                any = true;
                break;
            }
        }
        if (!any) {
            o.string(b, from, to);
            return;
        }
        byte[] tmp = new byte[to - from];
        int len = 0;
        for (int i = plain; i < to; i++) {
            if (b[i] == '\\' && i + 1 < to && isEscapable(b[i + 1])) {
                i++;
            }
            tmp[len++] = b[i];
        }
        o.string(tmp, 0, len);
    }

    private void writeUnescapedString(int from, int to) {
        byte[] tmp = new byte[to - from];
        int len = 0;
        for (int i = from; i < to; i++) {
            if (b[i] == '\\' && i + 1 < to && (b[i + 1] == '"' || b[i + 1] == '\\')) {
                i++;
            }
            tmp[len++] = b[i];
        }
        out.string(tmp, 0, len);
    }

    private int skipBlanks(int i) {
        while (i < n && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private int skipSpaces(int i) {
        while (i < n && b[i] == ' ') {
            i++;
        }
        return i;
    }

    private static boolean isLineEnd(byte c) {
        return c == '\n' || c == '\r';
    }

    private int lineEnd(int i) {
        while (i < n && b[i] != '\n') {
            i++;
        }
        return i < n ? i + 1 : i;
    }

    /** Newlines consumed, string fields included (they may hold newlines), minus the terminator. */
    private int newlinesIn(int from, int to) {
        int c = 0;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                c++;
            }
        }
        return c == 0 && to >= n ? 1 : c;
    }
}
