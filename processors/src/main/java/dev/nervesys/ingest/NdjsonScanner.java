package dev.nervesys.ingest;

import dev.nervesys.common.JsonByteScanner;
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
 * <p>The JSON tokens (strings, numbers, literals, values passed over) are {@link JsonByteScanner}'s,
 * shared with the telemetry scanner of the Kafka sink; the record and member checks are this class's.
 *
 * <p>Kept hand-written because a figure justifies it: NDJSON ingest went from 0.28 to 0.54 of the raw
 * SQLite insert reference with it, the largest step of the performance pass (docs/benchmarks.md, "Data path").
 */
final class NdjsonScanner extends JsonByteScanner {

    static final int UNSURE = 0;
    static final int TELEMETRY = 1;
    static final int LOG = 2;

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

    private NdjsonScanner(byte[] b, int from, int to) {
        super(b, from, to, false);
    }

    /** {@link #TELEMETRY} or {@link #LOG} for a valid record, else {@link #UNSURE}. */
    static int classify(byte[] body, int from, int to) {
        try {
            return new NdjsonScanner(body, from, to).record();
        } catch (Unsure e) {
            return UNSURE;
        }
    }

    private int record() {
        skipWs();
        int seen = 0;
        if (!open('{', '}')) {
            do {
                memberName();
                if (strEscaped) {
                    throw unsure();
                }
                seen |= member(strFrom, strTo);
            } while (more('}'));
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
                unsigned(18); // 18 digits always fit a long: no 19-digit comparison
                return which == 3 ? FRAME : 0;
            }
            case 5, 6 -> { // time (RFC 3339 or epoch nanoseconds), timestamp (RFC 3339)
                if (which == 5 && peek() >= '0' && peek() <= '9') {
                    unsigned(19); // epoch nanoseconds since 2001 have 19 digits
                    return TIME;
                }
                string();
                if (strEscaped || !Rfc3339.isValid(b, strFrom, strTo)) {
                    throw unsure();
                }
                return which == 5 ? TIME : TIMESTAMP;
            }
            case 7 -> { // fields: an object of scalars
                if (!open('{', '}')) {
                    do {
                        memberName();
                        byte c = peek();
                        if (c == '{' || c == '[') {
                            throw unsure();
                        }
                        value(0);
                    } while (more('}'));
                }
                return FIELDS;
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

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
