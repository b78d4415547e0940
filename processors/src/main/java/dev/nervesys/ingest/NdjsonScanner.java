package dev.nervesys.ingest;

import dev.nervesys.common.Utf8;
import dev.nervesys.spi.Rfc3339;
import java.nio.charset.StandardCharsets;

/**
 * The fast path of {@link NdjsonParser}: a hand-written, allocation-free scanner that recognises the
 * common case, a valid record, without creating a Jackson parser.
 *
 * <p>It only ever <em>accepts</em>: anything it is not sure about (an error of any kind, bytes
 * above 0x7F outside strings or not strict UTF-8, escapes in member names or checked values,
 * integers beyond 18 digits, very long strings) answers
 * {@link #UNSURE} and the line goes through the Jackson path, which alone decides about rejects and
 * words their messages. So a line accepted here is one the Jackson path accepts with the same
 * kind, and error messages are the Jackson path's, unchanged.
 *
 * <p>Kept hand-written because a figure justifies it: NDJSON ingest went from 0.28 to 0.54 of the raw
 * SQLite insert reference with it, the largest step of the performance pass (docs/benchmarks.md, "Data path").
 */
final class NdjsonScanner {

    static final int UNSURE = 0;
    static final int TELEMETRY = 1;
    static final int LOG = 2;

    /** Longer strings and numbers go to Jackson, whose StreamReadConstraints may refuse them. */
    private static final int MAX_STRING = 40_000;
    private static final int MAX_NUMBER = 200;

    private static final int RUN_ID = 1;
    private static final int SOURCE = 1 << 1;
    private static final int TYPE = 1 << 2;
    private static final int FRAME = 1 << 3;
    private static final int TIME = 1 << 4;
    private static final int FIELDS = 1 << 5;
    private static final int TIMESTAMP = 1 << 6;
    private static final int LEVEL = 1 << 7;
    private static final int MESSAGE = 1 << 8;

    private static final byte[][] NAMES = {
        ascii("run_id"), ascii("source"), ascii("type"), ascii("frame"), ascii("seq"), ascii("time"),
        ascii("timestamp"), ascii("fields"), ascii("level"), ascii("message"), ascii("agent_id"), ascii("action"),
        ascii("context"),
    };

    private final byte[] b;
    private final int end;
    private int pos;
    /** Bounds of the last string scanned (content, without quotes) and whether it had escapes. */
    private int strFrom;
    private int strTo;
    private boolean strEscaped;

    private NdjsonScanner(byte[] b, int from, int to) {
        this.b = b;
        this.pos = from;
        this.end = to;
    }

    /** {@link #TELEMETRY} or {@link #LOG} for a valid record, else {@link #UNSURE}. */
    static int classify(byte[] body, int from, int to) {
        try {
            return new NdjsonScanner(body, from, to).record();
        } catch (Unsure e) {
            return UNSURE;
        }
    }

    private static final class Unsure extends RuntimeException {
        private static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super(null, null, false, false);
        }
    }

    private static Unsure unsure() {
        return Unsure.INSTANCE;
    }

    private int record() {
        skipWs();
        expect('{');
        int seen = 0;
        skipWs();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                skipWs();
                string();
                if (strEscaped) {
                    throw unsure();
                }
                int nameFrom = strFrom;
                int nameTo = strTo;
                skipWs();
                expect(':');
                skipWs();
                seen |= member(nameFrom, nameTo);
                skipWs();
                byte c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw unsure();
                }
            }
        }
        skipWs();
        if (pos != end) {
            throw unsure();
        }
        if ((seen & RUN_ID) != 0) {
            int all = SOURCE | TYPE | FRAME | TIME | FIELDS;
            return (seen & all) == all ? TELEMETRY : UNSURE;
        }
        if ((seen & (LEVEL | MESSAGE)) != 0) {
            int all = TIMESTAMP | LEVEL | MESSAGE;
            return (seen & all) == all ? LOG : UNSURE;
        }
        return UNSURE;
    }

    /** Checks one member's value (the scanner stands on it); returns the flags it sets. */
    private int member(int nameFrom, int nameTo) {
        int which = name(nameFrom, nameTo);
        switch (which) {
            case 0 -> { // run_id
                nonEmptyString();
                return RUN_ID;
            }
            case 1 -> {
                nonEmptyString();
                return SOURCE;
            }
            case 2 -> { // type
                string();
                if (strEscaped || !(is(strFrom, strTo, "update") || is(strFrom, strTo, "event"))) {
                    throw unsure();
                }
                return TYPE;
            }
            case 3, 4 -> { // frame, seq
                nonNegativeInteger();
                return which == 3 ? FRAME : 0;
            }
            case 5, 6 -> { // time (RFC 3339 or epoch nanoseconds), timestamp (RFC 3339)
                if (which == 5 && peek() >= '0' && peek() <= '9') {
                    epochNanos();
                    return TIME;
                }
                string();
                if (strEscaped || !Rfc3339.isValid(b, strFrom, strTo)) {
                    throw unsure();
                }
                return which == 5 ? TIME : TIMESTAMP;
            }
            case 7 -> { // fields: an object of scalars
                expect('{');
                skipWs();
                if (peek() == '}') {
                    pos++;
                    return FIELDS;
                }
                while (true) {
                    skipWs();
                    string();
                    skipWs();
                    expect(':');
                    skipWs();
                    byte c = peek();
                    if (c == '{' || c == '[') {
                        throw unsure();
                    }
                    value(0);
                    skipWs();
                    c = next();
                    if (c == '}') {
                        return FIELDS;
                    }
                    if (c != ',') {
                        throw unsure();
                    }
                }
            }
            case 8 -> {
                nonEmptyString();
                return LEVEL;
            }
            case 9 -> { // message
                string();
                return MESSAGE;
            }
            case 10, 11 -> { // agent_id, action: string or null
                if (peek() == 'n') {
                    literal("null");
                } else {
                    string();
                }
                return 0;
            }
            case 12 -> { // context: object or null
                if (peek() == 'n') {
                    literal("null");
                } else {
                    if (peek() != '{') {
                        throw unsure();
                    }
                    value(0);
                }
                return 0;
            }
            default -> {
                value(0);
                return 0;
            }
        }
    }

    private int name(int from, int to) {
        int len = to - from;
        outer:
        for (int k = 0; k < NAMES.length; k++) {
            byte[] n = NAMES[k];
            if (n.length != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                if (b[from + i] != n[i]) {
                    continue outer;
                }
            }
            return k;
        }
        return -1;
    }

    private void nonEmptyString() {
        string();
        if (strTo == strFrom) {
            throw unsure();
        }
    }

    private void nonNegativeInteger() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        int n = pos - start;
        // JSON: no leading zero; 18 digits always fit a long; a fraction or exponent is not an int
        if (n == 0 || n > 18 || (n > 1 && b[start] == '0')) {
            throw unsure();
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            throw unsure();
        }
    }

    /**
     * A telemetry time as epoch nanoseconds: a JSON integer from 0 to Long.MAX_VALUE. Times since
     * 2001 have 19 digits, so unlike {@link #nonNegativeInteger} the 19-digit ones are compared here.
     */
    private void epochNanos() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        int n = pos - start;
        if (n == 0 || n > 19 || (n > 1 && b[start] == '0') || (n == 19 && !withinLong(start))) {
            throw unsure();
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            throw unsure();
        }
    }

    private static final byte[] LONG_MAX = ascii(Long.toString(Long.MAX_VALUE));

    /** The 19 digits at {@code from} are at most 9223372036854775807. */
    private boolean withinLong(int from) {
        for (int i = 0; i < 19; i++) {
            if (b[from + i] != LONG_MAX[i]) {
                return b[from + i] < LONG_MAX[i];
            }
        }
        return true;
    }

    /** Any JSON value, validated and skipped. */
    private void value(int depth) {
        if (depth > 64) {
            throw unsure();
        }
        byte c = peek();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                pos++;
                skipWs();
                if (peek() == '}') {
                    pos++;
                    return;
                }
                while (true) {
                    skipWs();
                    string();
                    skipWs();
                    expect(':');
                    skipWs();
                    value(depth + 1);
                    skipWs();
                    byte d = next();
                    if (d == '}') {
                        return;
                    }
                    if (d != ',') {
                        throw unsure();
                    }
                }
            }
            case '[' -> {
                pos++;
                skipWs();
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    skipWs();
                    value(depth + 1);
                    skipWs();
                    byte d = next();
                    if (d == ']') {
                        return;
                    }
                    if (d != ',') {
                        throw unsure();
                    }
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    /** A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? followed by a delimiter. */
    private void number() {
        int first = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        int n = pos - start;
        if (n == 0 || (n > 1 && b[start] == '0')) {
            throw unsure();
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            int f = pos;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            if (pos == f) {
                throw unsure();
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            int e = pos;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            if (pos == e) {
                throw unsure();
            }
        }
        if (pos - first > MAX_NUMBER) {
            throw unsure(); // Jackson limits number length (StreamReadConstraints)
        }
        delimiter();
    }

    private void literal(String word) {
        if (end - pos < word.length()) {
            throw unsure();
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[pos + i] != word.charAt(i)) {
                throw unsure();
            }
        }
        pos += word.length();
        delimiter();
    }

    /** After a number or literal: the end of the line, whitespace, ',', '}' or ']'. */
    private void delimiter() {
        if (pos < end) {
            byte c = b[pos];
            if (!(c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r')) {
                throw unsure();
            }
        }
    }

    /** A string; leaves its content bounds in strFrom/strTo. Control characters or bad escapes: unsure. */
    private void string() {
        expect('"');
        strFrom = pos;
        strEscaped = false;
        while (true) {
            // the common bytes in a tight loop: one table load per byte
            int p = pos;
            while (p < end && !STRING_SPECIAL[b[p] & 0xff]) {
                p++;
            }
            pos = p;
            if (pos >= end) {
                throw unsure();
            }
            byte c = b[pos++];
            if (c == '"') {
                strTo = pos - 1;
                if (strTo - strFrom > MAX_STRING) {
                    throw unsure(); // Jackson's StreamReadConstraints decide about long names and strings
                }
                return;
            }
            if (c < 0x20) {
                if (c < 0) {
                    utf8(c);
                    continue;
                }
                throw unsure();
            }
            if (c == '\\') {
                strEscaped = true;
                if (pos >= end) {
                    throw unsure();
                }
                byte e = b[pos++];
                switch (e) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                    }
                    case 'u' -> {
                        if (end - pos < 4) {
                            throw unsure();
                        }
                        for (int i = 0; i < 4; i++) {
                            byte h = b[pos++];
                            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                                throw unsure();
                            }
                        }
                    }
                    default -> throw unsure();
                }
            }
        }
    }

    /** Bytes that end the fast loop of {@link #string}: quote, backslash, controls, non-ASCII. */
    private static final boolean[] STRING_SPECIAL = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            STRING_SPECIAL[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
        }
    }

    /** A multi-byte UTF-8 sequence inside a string ({@link Utf8}: strictly, a subset of Jackson). */
    private void utf8(byte first) {
        int next = Utf8.sequenceEnd(b, pos - 1, end);
        if (next < 0) {
            throw unsure();
        }
        pos = next;
    }

    private boolean is(int from, int to, String s) {
        return Utf8.equalsAscii(b, from, to, s);
    }

    private void skipWs() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private byte peek() {
        if (pos >= end) {
            throw unsure();
        }
        return b[pos];
    }

    private byte next() {
        if (pos >= end) {
            throw unsure();
        }
        return b[pos++];
    }

    private void expect(char c) {
        if (pos >= end || b[pos] != c) {
            throw unsure();
        }
        pos++;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
