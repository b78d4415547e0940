package dev.nervesys.ingest;

import java.nio.charset.StandardCharsets;

/** Line-protocol field values other than strings: float, integer (i), unsigned (u), boolean. */
final class FieldValues {

    private FieldValues() {
    }

    static void write(byte[] b, int from, int to, JsonOut out) {
        byte last = b[to - 1];
        byte first = b[from];
        if (last >= '0' && last <= '9') {
            // a float, the common case: copied when it is plain JSON; a float keeps a point so its
            // type survives the trip
            int plain = plainDecimal(b, from, to);
            if (plain == NOT_PLAIN) {
                out.raw(Double.toString(parseFloat(b, from, to)));
            } else {
                out.raw(b, from, to);
                if (plain == PLAIN_WITHOUT_POINT) {
                    out.raw(".0");
                }
            }
        } else if (isBoolean(b, from, to)) {
            out.raw(first == 't' || first == 'T' ? "true" : "false");
        } else if (last == 'i' && to - from > 1) {
            if (plainLong(b, from, to - 1)) {
                out.raw(b, from, to - 1); // already the JSON text: no parse and print
            } else {
                out.rawLong(parseLong(b, from, to - 1, "invalid integer"));
            }
        } else if (last == 'u' && to - from > 1) {
            out.raw(Long.toUnsignedString(parseUnsigned(b, from, to - 1)));
        } else {
            out.raw(Double.toString(parseFloat(b, from, to)));
        }
    }

    /**
     * {@code -?(0|[1-9][0-9]*)} within the range of a long: valid JSON that reads back as the same
     * long, so it can be copied as it is.
     */
    static boolean plainLong(byte[] b, int from, int to) {
        int i = from < to && b[from] == '-' ? from + 1 : from;
        int digits = to - i;
        if (digits <= 0 || digits > 19 || (b[i] == '0' && digits > 1)) {
            return false;
        }
        for (int k = i; k < to; k++) {
            if (b[k] < '0' || b[k] > '9') {
                return false;
            }
        }
        if (digits < 19) {
            return true;
        }
        // 19 digits: compare with the largest magnitude (MIN_VALUE's is one more, left to the parser)
        for (int k = 0; k < 19; k++) {
            if (b[i + k] != LONG_MAX[k]) {
                return b[i + k] < LONG_MAX[k];
            }
        }
        return true;
    }

    private static final byte[] LONG_MAX = Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}: JSON's own number syntax for the same decimal, which a JSON
     * reader rounds to the same double as Double.parseDouble, so the text is copied instead of parsed
     * and printed.
     */
    private static int plainDecimal(byte[] b, int from, int to) {
        int i = from < to && b[from] == '-' ? from + 1 : from;
        if (i >= to || b[i] < '0' || b[i] > '9' || (b[i] == '0' && i + 1 < to && b[i + 1] != '.')) {
            return NOT_PLAIN;
        }
        boolean point = false;
        for (int k = i; k < to; k++) {
            byte c = b[k];
            if (c == '.' && !point) {
                point = true;
            } else if (c < '0' || c > '9') {
                return NOT_PLAIN;
            }
        }
        return b[to - 1] == '.' ? NOT_PLAIN : point ? PLAIN_WITH_POINT : PLAIN_WITHOUT_POINT;
    }

    private static final int NOT_PLAIN = 0;
    private static final int PLAIN_WITH_POINT = 1;
    private static final int PLAIN_WITHOUT_POINT = 2;

    private static boolean isBoolean(byte[] b, int from, int to) {
        return switch (to - from) {
            case 1 -> b[from] == 't' || b[from] == 'T' || b[from] == 'f' || b[from] == 'F';
            case 4 -> is(b, from, "true") || is(b, from, "True") || is(b, from, "TRUE");
            case 5 -> is(b, from, "false") || is(b, from, "False") || is(b, from, "FALSE");
            default -> false;
        };
    }

    private static boolean is(byte[] b, int from, String word) {
        for (int i = 0; i < word.length(); i++) {
            if (b[from + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static long parseLong(byte[] b, int from, int to, String what) {
        boolean negative = from < to && b[from] == '-';
        int i = negative ? from + 1 : from;
        if (i >= to) {
            throw new LpError(what + " '" + text(b, from, to) + "'");
        }
        long v = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new LpError(what + " '" + text(b, from, to) + "'");
            }
            // accumulate negatively so that Long.MIN_VALUE parses
            if (v < (Long.MIN_VALUE + d) / 10) {
                throw new LpError(what + " out of range '" + text(b, from, to) + "'");
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                throw new LpError(what + " out of range '" + text(b, from, to) + "'");
            }
            v = -v;
        }
        return v;
    }

    private static long parseUnsigned(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                throw new LpError("invalid unsigned integer '" + text(b, from, to + 1) + "'");
            }
        }
        try {
            return Long.parseUnsignedLong(text(b, from, to));
        } catch (NumberFormatException e) {
            throw new LpError("unsigned integer out of range '" + text(b, from, to + 1) + "'");
        }
    }

    private static double parseFloat(byte[] b, int from, int to) {
        boolean digit = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
                // Double.parseDouble would accept NaN, Infinity, 1d, 0x1p3: line protocol does not
                throw new LpError("invalid field value '" + text(b, from, to) + "'");
            }
        }
        if (!digit) {
            throw new LpError("invalid field value '" + text(b, from, to) + "'");
        }
        double simple = simpleDecimal(b, from, to);
        if (simple == simple) {
            return simple;
        }
        double d;
        try {
            d = Double.parseDouble(text(b, from, to));
        } catch (NumberFormatException e) {
            throw new LpError("invalid float '" + text(b, from, to) + "'");
        }
        if (Double.isInfinite(d)) {
            throw new LpError("float out of range '" + text(b, from, to) + "'");
        }
        return d;
    }

    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
        1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /**
     * {@code -?digits(.digits)?} with at most 15 digits in all: the digits as a long and the power
     * of ten are both exact doubles, so one division gives the correctly rounded value, the same
     * double as Double.parseDouble, without a String. NaN for anything else.
     */
    private static double simpleDecimal(byte[] b, int from, int to) {
        int i = from;
        boolean negative = b[i] == '-';
        if (negative) {
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int scale = 0;
        boolean point = false;
        boolean intDigit = false;
        for (; i < to; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                mantissa = mantissa * 10 + (c - '0');
                digits++;
                if (point) {
                    scale++;
                } else {
                    intDigit = true;
                }
            } else if (c == '.' && !point) {
                point = true;
            } else {
                return Double.NaN;
            }
        }
        if (!intDigit || digits > 15 || (point && scale == 0)) {
            return Double.NaN;
        }
        double v = (double) mantissa / POW10[scale];
        return negative ? -v : v;
    }

    private static String text(byte[] b, int from, int to) {
        int end = Math.min(to, from + 64);
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }
}
