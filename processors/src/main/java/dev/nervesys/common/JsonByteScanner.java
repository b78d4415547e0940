package dev.nervesys.common;

/**
 * The byte-level half of the hand-written JSON fast paths (ingest's {@code NdjsonScanner},
 * {@link TelemetryScanner}): a cursor over {@code b[pos, end)} that checks and passes over JSON
 * tokens and values. Each subclass keeps its own record and member logic; the tokens are here once.
 *
 * <p>Like its subclasses it only ever <em>accepts</em>: whatever it is not sure of (invalid JSON,
 * bytes that are not strict UTF-8 in strings, control characters, nesting deeper than 64, strings
 * longer than 40,000 bytes, numbers longer than 200 characters) throws {@link Unsure}, a stackless
 * singleton, and the caller gives the input to Jackson, which alone refuses and words messages.
 *
 * <p>Every method is {@code final} (bound statically, one implementation: the JIT inlines them into the
 * subclass's loops as it did when each scanner had private copies); the fields are the subclass's own.
 * Whitespace is JSON's (space, tab, CR, LF); NDJSON lines never hold an LF, so for them it is the same
 * set as before the two scanners shared this class.
 */
public abstract class JsonByteScanner {

    /** Longer strings and numbers go to Jackson, whose StreamReadConstraints may refuse them. */
    protected static final int MAX_STRING = 40_000;
    protected static final int MAX_NUMBER = 200;
    protected static final int MAX_DEPTH = 64;

    /** The signal "not sure": thrown, caught by the subclass's entry point, which answers "ask Jackson". */
    protected static final class Unsure extends RuntimeException {
        private static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super(null, null, false, false);
        }
    }

    protected static Unsure unsure() {
        return Unsure.INSTANCE;
    }

    protected final byte[] b;
    protected final int end;
    protected int pos;
    /** The last string scanned: content bounds (without quotes), whether it had escapes, whether it is all ASCII. */
    protected int strFrom;
    protected int strTo;
    protected boolean strEscaped;
    protected boolean strAscii;
    /**
     * Whether an integer of more than 18 digits inside a value passed over by {@link #value} is
     * unsure (the telemetry scanner's rule: Jackson may take a BigInteger); otherwise only its length counts.
     */
    private final boolean longIntegersUnsure;

    protected JsonByteScanner(byte[] b, int from, int to, boolean longIntegersUnsure) {
        this.b = b;
        this.pos = from;
        this.end = to;
        this.longIntegersUnsure = longIntegersUnsure;
    }

    protected final void skipWs() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }

    protected final byte peek() {
        if (pos >= end) {
            throw unsure();
        }
        return b[pos];
    }

    protected final byte next() {
        if (pos >= end) {
            throw unsure();
        }
        return b[pos++];
    }

    protected final void expect(char c) {
        if (pos >= end || b[pos] != c) {
            throw unsure();
        }
        pos++;
    }

    /**
     * Opens an object or array (the cursor on {@code open}, else unsure); true when it closes right
     * away, the cursor then after {@code close}; false with the cursor on its first member or element.
     */
    protected final boolean open(char open, char close) {
        expect(open);
        skipWs();
        if (peek() == close) {
            pos++;
            return true;
        }
        return false;
    }

    /** A member's name and its colon: the name's bounds in strFrom/strTo, the cursor on the value. */
    protected final void memberName() {
        skipWs();
        string();
        skipWs();
        expect(':');
        skipWs();
    }

    /** After a member or element: true after a ',', false after {@code close}; anything else is unsure. */
    protected final boolean more(char close) {
        skipWs();
        byte c = next();
        if (c == close) {
            return false;
        }
        if (c != ',') {
            throw unsure();
        }
        return true;
    }

    /** Whether {@code b[from, to)} is exactly the ASCII text {@code s}. */
    protected final boolean is(int from, int to, String s) {
        return Utf8.equalsAscii(b, from, to, s);
    }

    /** A literal ({@code true}, {@code false}, {@code null}) followed by a delimiter. */
    protected final void literal(String word) {
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

    /**
     * After a number or literal: whitespace, ',', '}' or ']'. The end of the input is never right there
     * (both scanners read one object, which must still close), so it is unsure at once.
     */
    protected final void delimiter() {
        if (pos >= end) {
            throw unsure();
        }
        byte c = b[pos];
        if (!(c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            throw unsure();
        }
    }

    /** A string; its bounds in strFrom/strTo. Control characters, bad escapes or bad UTF-8: unsure. */
    protected final void string() {
        expect('"');
        strFrom = pos;
        strEscaped = false;
        strAscii = true;
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
            if (c < 0) {
                // a multi-byte UTF-8 sequence ({@link Utf8}: strictly, a subset of Jackson)
                int next = Utf8.sequenceEnd(b, pos - 1, end);
                if (next < 0) {
                    throw unsure();
                }
                strAscii = false;
                pos = next;
                continue;
            }
            if (c < 0x20) {
                throw unsure();
            }
            // a backslash
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

    /** Bytes that end the fast loop of {@link #string}: quote, backslash, controls, non-ASCII. */
    private static final boolean[] STRING_SPECIAL = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            STRING_SPECIAL[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
        }
    }

    /** Any JSON value, checked and passed over. */
    protected final void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw unsure();
        }
        byte c = peek();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                if (!open('{', '}')) {
                    do {
                        memberName();
                        value(depth + 1);
                    } while (more('}'));
                }
            }
            case '[' -> {
                if (!open('[', ']')) {
                    do {
                        skipWs();
                        value(depth + 1);
                    } while (more(']'));
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> skipNumber();
        }
    }

    /** A JSON number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, checked and passed over, then a delimiter. */
    private void skipNumber() {
        int first = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        int start = pos;
        int n = digits();
        if (n == 0 || (n > 1 && b[start] == '0')) {
            throw unsure();
        }
        boolean integer = true;
        if (pos < end && b[pos] == '.') {
            integer = false;
            pos++;
            if (digits() == 0) {
                throw unsure();
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            integer = false;
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw unsure();
            }
        }
        if (pos - first > MAX_NUMBER) {
            throw unsure(); // Jackson limits number length (StreamReadConstraints)
        }
        // no leading zeros (checked above): the digits are the significant ones
        if (integer && n > 18 && longIntegersUnsure) {
            throw unsure();
        }
        delimiter();
    }

    /**
     * A JSON integer from 0 with at most {@code maxDigits} (up to 19) digits, within a long; not
     * followed by a fraction or exponent; then a delimiter.
     */
    protected final long unsigned(int maxDigits) {
        int start = pos;
        int n = digits();
        if (n == 0 || n > Math.min(maxDigits, 19) || (n > 1 && b[start] == '0')) {
            throw unsure();
        }
        if (n == 19 && !withinLong(start)) {
            throw unsure();
        }
        long v = 0;
        for (int i = start; i < pos; i++) {
            v = v * 10 + (b[i] - '0');
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            throw unsure(); // a float
        }
        delimiter();
        return v;
    }

    /** Passes over ASCII digits; their count. */
    private int digits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    private static final byte[] LONG_MAX = Long.toString(Long.MAX_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The 19 digits at {@code from} are at most 9223372036854775807. */
    private boolean withinLong(int from) {
        for (int i = 0; i < 19; i++) {
            if (b[from + i] != LONG_MAX[i]) {
                return b[from + i] < LONG_MAX[i];
            }
        }
        return true;
    }
}
