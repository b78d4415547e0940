package dev.nervesys.common;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link Telemetry}: a hand-written scanner of one telemetry record that fills the
 * {@link Telemetry} straight from the bytes, without a Jackson parser, and makes no String for a run
 * id, source or field name that repeats the one of the record read before into the same instance.
 *
 * <p>Like the ingest's scanner it only ever <em>accepts</em>: whatever it is not sure of (invalid
 * JSON, escapes in the strings it keeps or in member names, bytes that are not strict UTF-8, a
 * member of the wrong JSON type, integers beyond 18 digits, negative frames, nesting deeper than 64,
 * very long strings or numbers, anything after the object but whitespace) answers false, and the
 * record is read again by Jackson, which alone refuses records and words the messages. What it
 * accepts, Jackson accepts with the same values: members in order, a later one replacing an earlier
 * one as in the Jackson reader (a second {@code fields} adds its numbers), numbers to doubles
 * exactly as Jackson's {@code getDoubleValue} (an integer through {@code long}, a fraction correctly
 * rounded: exact decimal arithmetic where it is exact, {@link Double#parseDouble} otherwise).
 *
 * <p>The checks after reading (required members, type, time) are {@link Telemetry}'s own, for both.
 * The JSON tokens (strings, literals, integers, values passed over) are {@link JsonByteScanner}'s, shared with
 * the ingest's NDJSON scanner; the numbers kept as doubles are read here.
 */
final class TelemetryScanner extends JsonByteScanner {

    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    /** Strings handed out for the record before, by their bytes: the same object when they repeat. */
    static final class Strings {
        private byte[] runId = new byte[0];
        private String runIdString;
        private byte[] source = new byte[0];
        private String sourceString;
        private byte[][] names = new byte[16][];
        private String[] nameStrings = new String[16];

        String runId(byte[] b, int from, int to) {
            if (runIdString == null || !Arrays.equals(b, from, to, runId, 0, runId.length)) {
                runId = Arrays.copyOfRange(b, from, to);
                runIdString = new String(runId, StandardCharsets.UTF_8);
            }
            return runIdString;
        }

        String source(byte[] b, int from, int to) {
            if (sourceString == null || !Arrays.equals(b, from, to, source, 0, source.length)) {
                source = Arrays.copyOfRange(b, from, to);
                sourceString = new String(source, StandardCharsets.UTF_8);
            }
            return sourceString;
        }

        /** The name of the record's k-th numeric field. */
        String name(int k, byte[] b, int from, int to) {
            if (k >= names.length) {
                names = Arrays.copyOf(names, k * 2);
                nameStrings = Arrays.copyOf(nameStrings, k * 2);
            }
            byte[] n = names[k];
            if (n == null || !Arrays.equals(b, from, to, n, 0, n.length)) {
                names[k] = Arrays.copyOfRange(b, from, to);
                nameStrings[k] = new String(names[k], StandardCharsets.UTF_8);
            }
            return nameStrings[k];
        }
    }

    private final Telemetry t;
    private final Strings strings;

    private TelemetryScanner(Telemetry t, byte[] b) {
        super(b, 0, b.length, true); // an integer of more than 18 digits, even one passed over: Jackson decides
        this.t = t;
        if (t != null && t.seen == null) {
            t.seen = new Strings();
        }
        this.strings = t == null ? null : t.seen;
    }

    /**
     * Reads {@code body} into {@code t} (reset by the caller) and checks it as {@link Telemetry}
     * does (which may throw its {@link IllegalArgumentException}). False when the scanner is not sure
     * of the record: {@code t} is then to be reset and read by Jackson.
     */
    static boolean read(Telemetry t, byte[] body) {
        TelemetryScanner s = new TelemetryScanner(t, body);
        int timeFrom;
        int timeTo;
        long timeNanos;
        try {
            long[] time = {-1, -1, -1};
            s.record(time);
            timeFrom = (int) time[0];
            timeTo = (int) time[1];
            timeNanos = time[2];
        } catch (Unsure e) {
            return false;
        }
        t.scanned = true;
        t.finish(null, timeFrom < 0 ? null : body, Math.max(0, timeFrom), Math.max(0, timeTo), timeNanos);
        return true;
    }

    /**
     * The bounds of the first top-level {@code run_id} member's string (without quotes, no escapes in
     * it) as {@code from << 32 | to}; -1 when the scanner is not sure (not an object, escapes, invalid
     * bytes before it, another type, no such member): Jackson then decides.
     */
    static long runIdBounds(byte[] body) {
        TelemetryScanner s = new TelemetryScanner(null, body);
        try {
            s.skipWs();
            s.expect('{');
            do {
                s.memberName();
                if (s.strEscaped) {
                    return -1;
                }
                if (s.is(s.strFrom, s.strTo, "run_id")) {
                    s.keptString();
                    return (long) s.strFrom << 32 | s.strTo;
                }
                s.value(0);
            } while (s.more('}'));
            return -1;
        } catch (Unsure e) {
            return -1;
        }
    }

    /** The record; {@code time} receives the time string's bounds (or -1) and its epoch nanoseconds (or -1). */
    private void record(long[] time) {
        skipWs();
        if (open('{', '}')) {
            throw unsure(); // no member: Jackson words the refusal
        }
        do {
            memberName();
            if (strEscaped || !strAscii) {
                throw unsure();
            }
            member(strFrom, strTo, time);
        } while (more('}'));
        skipWs();
        if (pos != end) {
            throw unsure();
        }
    }

    private void member(int from, int to, long[] time) {
        switch (to - from) {
            case 6 -> {
                if (is(from, "run_id")) {
                    keptString();
                    t.runId = strings.runId(b, strFrom, strTo);
                    return;
                }
                if (is(from, "source")) {
                    keptString();
                    t.source = strings.source(b, strFrom, strTo);
                    return;
                }
                if (is(from, "fields")) {
                    fields();
                    return;
                }
            }
            case 4 -> {
                if (is(from, "type")) {
                    keptString();
                    t.type = is(strFrom, strTo, "update") ? "update" : is(strFrom, strTo, "event") ? "event"
                            : new String(b, strFrom, strTo - strFrom, StandardCharsets.UTF_8);
                    return;
                }
                if (is(from, "time")) {
                    byte c = peek();
                    if (c >= '0' && c <= '9') {
                        time[2] = unsigned(19);
                        time[0] = -1;
                        time[1] = -1;
                    } else if (c == '"') {
                        keptString();
                        if (!strAscii) {
                            throw unsure(); // Jackson's reader takes the Latin-1 bytes of its String
                        }
                        time[0] = strFrom;
                        time[1] = strTo;
                        time[2] = -1;
                    } else {
                        throw unsure();
                    }
                    return;
                }
            }
            case 5 -> {
                if (is(from, "frame")) {
                    t.frame = unsigned(19);
                    return;
                }
            }
            case 3 -> {
                if (is(from, "seq")) {
                    if (peek() == 'n') {
                        literal("null");
                        t.seq = -1;
                    } else {
                        t.seq = unsigned(19);
                    }
                    return;
                }
            }
            default -> {
            }
        }
        value(0);
    }

    private boolean is(int from, String s) {
        return Utf8.equalsAscii(b, from, from + s.length(), s);
    }

    /** A string value that is kept: no escapes (Jackson decodes them; left to it). */
    private void keptString() {
        if (peek() != '"') {
            throw unsure();
        }
        string();
        if (strEscaped) {
            throw unsure();
        }
    }

    /** {@code fields}: an object whose numbers are kept, every other value checked and passed over. */
    private void fields() {
        t.fieldsStart = pos;
        if (!open('{', '}')) {
            do {
                memberName();
                if (strEscaped) {
                    throw unsure();
                }
                int nameFrom = strFrom;
                int nameTo = strTo;
                byte c = peek();
                if (c == '-' || (c >= '0' && c <= '9')) {
                    double v = number();
                    t.add(strings.name(t.count, b, nameFrom, nameTo), v);
                } else {
                    value(1);
                }
            } while (more('}'));
        }
        t.fieldsEnd = pos;
    }

    /**
     * A JSON number as Jackson's {@code getDoubleValue} gives it: an integer (at most 18 digits)
     * through its long value (so {@code -0} is 0.0), a fraction or exponent correctly rounded.
     */
    private double number() {
        int first = pos;
        boolean numNegative = false;
        if (b[pos] == '-') {
            numNegative = true;
            pos++;
        }
        int start = pos;
        long mantissa = 0;
        int significant = 0; // digits in mantissa, leading zeros not counted
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            if (mantissa != 0 || b[pos] != '0') {
                significant++;
            }
            if (significant <= 18) {
                mantissa = mantissa * 10 + (b[pos] - '0');
            }
            pos++;
        }
        int intDigits = pos - start;
        if (intDigits == 0 || (intDigits > 1 && b[start] == '0')) {
            throw unsure();
        }
        int fracDigits = 0;
        boolean numInteger = true;
        if (pos < end && b[pos] == '.') {
            numInteger = false;
            pos++;
            int f = pos;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                if (mantissa != 0 || b[pos] != '0') {
                    significant++;
                }
                if (significant <= 18) {
                    mantissa = mantissa * 10 + (b[pos] - '0');
                    fracDigits++;
                }
                pos++;
            }
            if (pos == f) {
                throw unsure();
            }
        }
        int exponent = 0;
        boolean exact = true;
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            numInteger = false;
            pos++;
            boolean negExp = false;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                negExp = b[pos] == '-';
                pos++;
            }
            int e = pos;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                if (pos - e < 6) {
                    exponent = exponent * 10 + (b[pos] - '0');
                } else {
                    exact = false;
                }
                pos++;
            }
            if (pos == e) {
                throw unsure();
            }
            if (negExp) {
                exponent = -exponent;
            }
        }
        if (pos - first > MAX_NUMBER) {
            throw unsure(); // Jackson limits number length (StreamReadConstraints)
        }
        delimiter();
        if (numInteger) {
            if (significant > 18) {
                throw unsure(); // beyond 18 digits Jackson may take a BigInteger: left to it
            }
            return (double) (numNegative ? -mantissa : mantissa);
        }
        int e10 = exponent - fracDigits;
        if (exact && significant <= 15 && e10 >= -22 && e10 <= 22) {
            // both operands exact doubles (mantissa < 10^15 < 2^53, 10^|e10| <= 10^22): one correctly rounded operation
            double v = e10 < 0 ? mantissa / POW10[-e10] : mantissa * POW10[e10];
            return numNegative ? -v : v;
        }
        return Double.parseDouble(new String(b, first, pos - first, StandardCharsets.ISO_8859_1));
    }
}
