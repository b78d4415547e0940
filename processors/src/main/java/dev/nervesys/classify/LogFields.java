package dev.nervesys.classify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.nervesys.common.Utf8;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what the rules need from one log record, skipping the rest without building a tree (a
 * hand-written scan for the common record, Jackson's streaming parser for everything else):
 * {@code level}, {@code message} (cut at {@code maxChars}) and the numbers at the field paths rules name ({@code cpu} or {@code context.temperature_c}: one or two levels).
 * Kept hand-written because a figure justifies it: 2.1–2.3 M records per CPU-second against 1.25–1.5 M
 * with Jackson alone, allocation 1,184 → 488 B/record (docs/benchmarks.md, "Heartbeats, classification,
 * alerts"); a differential test holds it to the Jackson path.
 * One instance per thread; reused record after record.
 */
final class LogFields {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final String[] top;
    private final String[] sub;
    private final int maxChars;
    String level;
    String message;
    boolean truncated;
    final double[] values;

    LogFields(List<String> paths, int maxChars) {
        this.top = new String[paths.size()];
        this.sub = new String[paths.size()];
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            int dot = p.indexOf('.');
            top[i] = dot < 0 ? p : p.substring(0, dot);
            sub[i] = dot < 0 ? null : p.substring(dot + 1);
        }
        this.maxChars = maxChars;
        this.values = new double[paths.size()];
    }

    void parse(byte[] body) throws IOException {
        level = null;
        message = null;
        truncated = false;
        Arrays.fill(values, Double.NaN);
        if (!new Scan(body).record()) {
            parseWithJackson(body);
        }
    }

    /** The reference reading, for every record the scan is not sure about. */
    void parseWithJackson(byte[] body) throws IOException {
        level = null;
        message = null;
        truncated = false;
        Arrays.fill(values, Double.NaN);
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("level".equals(name)) {
                    level = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                } else if ("message".equals(name)) {
                    if (t == JsonToken.VALUE_STRING) {
                        int len = p.getTextLength();
                        truncated = len > maxChars;
                        message = new String(p.getTextCharacters(), p.getTextOffset(), Math.min(len, maxChars));
                    } else {
                        p.skipChildren();
                    }
                } else if (!field(p, name, t)) {
                    p.skipChildren();
                }
            }
        }
    }

    /** True when the value was consumed as (or searched for) a rule field. */
    private boolean field(JsonParser p, String name, JsonToken t) throws IOException {
        boolean wanted = false;
        for (int i = 0; i < top.length; i++) {
            if (top[i].equals(name)) {
                wanted = true;
                if (sub[i] == null && t.isNumeric()) {
                    values[i] = p.getDoubleValue();
                }
            }
        }
        if (!wanted || t != JsonToken.START_OBJECT) {
            return wanted && t.isScalarValue();
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken v = p.nextToken();
            if (v.isNumeric()) {
                for (int i = 0; i < top.length; i++) {
                    if (sub[i] != null && top[i].equals(name) && sub[i].equals(inner)) {
                        values[i] = p.getDoubleValue();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return true;
    }

    /**
     * The fast path: a hand-written scan of the common record (ASCII names, level and message
     * without escapes, plain numbers) that fills the same members as the Jackson path without a
     * parser object. Anything else (escapes or non-ASCII where text is taken, a malformed record,
     * long integers) answers false and the Jackson path reads the record from the start.
     */
    private final class Scan {

        private final byte[] b;
        private int pos;
        private int sFrom;
        private int sTo;
        private boolean sPlain;

        Scan(byte[] b) {
            this.b = b;
        }

        boolean record() {
            try {
                ws();
                expect('{');
                ws();
                if (peek() == '}') {
                    return true;
                }
                while (true) {
                    ws();
                    string();
                    if (!sPlain) {
                        return false;
                    }
                    int nFrom = sFrom;
                    int nTo = sTo;
                    ws();
                    expect(':');
                    ws();
                    if (is(nFrom, nTo, "level")) {
                        if (peek() == '"') {
                            string();
                            if (!sPlain) {
                                return false;
                            }
                            level = new String(b, sFrom, sTo - sFrom, java.nio.charset.StandardCharsets.ISO_8859_1);
                        } else {
                            level = null;
                            skip(0);
                        }
                    } else if (is(nFrom, nTo, "message")) {
                        if (peek() == '"') {
                            string();
                            if (!sPlain) {
                                return false;
                            }
                            int len = sTo - sFrom;
                            truncated = len > maxChars;
                            message = new String(b, sFrom, Math.min(len, maxChars), java.nio.charset.StandardCharsets.ISO_8859_1);
                        } else {
                            skip(0);
                        }
                    } else if (!field(nFrom, nTo)) {
                        skip(0);
                    }
                    ws();
                    byte c = next();
                    if (c == '}') {
                        return true;
                    }
                    if (c != ',') {
                        return false;
                    }
                }
            } catch (RuntimeException e) {
                return false; // out of bounds, a number Double cannot read, ...: the Jackson path decides
            }
        }

        /** Same decisions as {@link LogFields#field}; true when the value was consumed. */
        private boolean field(int nFrom, int nTo) {
            boolean wanted = false;
            for (int i = 0; i < top.length; i++) {
                if (is(nFrom, nTo, top[i])) {
                    wanted = true;
                }
            }
            if (!wanted) {
                return false;
            }
            byte c = peek();
            if (c != '{') {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    double v = number();
                    for (int i = 0; i < top.length; i++) {
                        if (sub[i] == null && is(nFrom, nTo, top[i])) {
                            values[i] = v;
                        }
                    }
                    return true;
                }
                return false;
            }
            pos++;
            ws();
            if (peek() == '}') {
                pos++;
                return true;
            }
            while (true) {
                ws();
                string();
                if (!sPlain) {
                    throw new IllegalStateException();
                }
                int iFrom = sFrom;
                int iTo = sTo;
                ws();
                expect(':');
                ws();
                byte v = peek();
                if (v == '-' || (v >= '0' && v <= '9')) {
                    double d = number();
                    for (int i = 0; i < top.length; i++) {
                        if (sub[i] != null && is(nFrom, nTo, top[i]) && is(iFrom, iTo, sub[i])) {
                            values[i] = d;
                        }
                    }
                } else {
                    skip(1);
                }
                ws();
                byte e = next();
                if (e == '}') {
                    return true;
                }
                if (e != ',') {
                    throw new IllegalStateException();
                }
            }
        }

        /** A JSON number, strictly; integers of more than 18 digits go to Jackson. */
        private double number() {
            int start = pos;
            if (b[pos] == '-') {
                pos++;
            }
            int d = pos;
            while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            int digits = pos - d;
            if (digits == 0 || (digits > 1 && b[d] == '0')) {
                throw new IllegalStateException();
            }
            boolean integer = true;
            if (pos < b.length && b[pos] == '.') {
                integer = false;
                pos++;
                int f = pos;
                while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
                    pos++;
                }
                if (pos == f) {
                    throw new IllegalStateException();
                }
            }
            if (pos < b.length && (b[pos] == 'e' || b[pos] == 'E')) {
                integer = false;
                pos++;
                if (pos < b.length && (b[pos] == '+' || b[pos] == '-')) {
                    pos++;
                }
                int e = pos;
                while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
                    pos++;
                }
                if (pos == e) {
                    throw new IllegalStateException();
                }
            }
            if ((integer && digits > 18) || pos - start > 100) {
                throw new IllegalStateException();
            }
            delimiter();
            if (integer) {
                long v = 0;
                for (int i = d; i < pos; i++) {
                    v = v * 10 + (b[i] - '0');
                }
                return b[start] == '-' && v != 0 ? -(double) v : (double) v; // Jackson: -0 is the long 0
            }
            return Double.parseDouble(new String(b, start, pos - start, java.nio.charset.StandardCharsets.ISO_8859_1));
        }

        /** Any JSON value, checked and skipped; non-ASCII only inside strings (any byte >= 0x80 there). */
        private void skip(int depth) {
            if (depth > 64) {
                throw new IllegalStateException();
            }
            byte c = peek();
            switch (c) {
                case '"' -> string();
                case '{', '[' -> {
                    byte close = c == '{' ? (byte) '}' : (byte) ']';
                    pos++;
                    ws();
                    if (peek() == close) {
                        pos++;
                        return;
                    }
                    while (true) {
                        ws();
                        if (c == '{') {
                            string();
                            ws();
                            expect(':');
                            ws();
                        }
                        skip(depth + 1);
                        ws();
                        byte d = next();
                        if (d == close) {
                            return;
                        }
                        if (d != ',') {
                            throw new IllegalStateException();
                        }
                    }
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            }
        }

        private void literal(String w) {
            for (int i = 0; i < w.length(); i++) {
                if (b[pos + i] != w.charAt(i)) {
                    throw new IllegalStateException();
                }
            }
            pos += w.length();
            delimiter();
        }

        private void delimiter() {
            if (pos < b.length) {
                byte c = b[pos];
                if (!(c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
                    throw new IllegalStateException();
                }
            }
        }

        /** A string; sPlain = ASCII without escapes (its bytes are its chars). Strict otherwise. */
        private void string() {
            expect('"');
            sFrom = pos;
            sPlain = true;
            while (true) {
                byte c = b[pos++];
                if (c == '"') {
                    sTo = pos - 1;
                    return;
                }
                if (c == '\\') {
                    sPlain = false;
                    byte e = b[pos++];
                    if (e == 'u') {
                        for (int i = 0; i < 4; i++) {
                            byte h = b[pos++];
                            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                                throw new IllegalStateException();
                            }
                        }
                    } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                        throw new IllegalStateException();
                    }
                } else if (c < 0) {
                    sPlain = false;
                    utf8(c);
                } else if (c < 0x20) {
                    throw new IllegalStateException();
                }
            }
        }

        /** Strict UTF-8 ({@link Utf8}), a subset of what Jackson reads. */
        private void utf8(byte first) {
            int next = Utf8.sequenceEnd(b, pos - 1, b.length);
            if (next < 0) {
                throw new IllegalStateException();
            }
            pos = next;
        }

        private boolean is(int from, int to, String s) {
            return Utf8.equalsAscii(b, from, to, s);
        }

        private void ws() {
            while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\r' || b[pos] == '\n')) {
                pos++;
            }
        }

        private byte peek() {
            return b[pos];
        }

        private byte next() {
            return b[pos++];
        }

        private void expect(char c) {
            if (b[pos] != c) {
                throw new IllegalStateException();
            }
            pos++;
        }
    }
}
