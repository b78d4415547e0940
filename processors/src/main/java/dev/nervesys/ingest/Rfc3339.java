package dev.nervesys.ingest;

import java.nio.charset.StandardCharsets;

/**
 * Checks RFC 3339 timestamps ({@code 2025-12-10T12:00:00.123456789Z}, {@code ...+02:00}) without
 * allocating: {@link java.time.Instant#parse} costs more than the rest of the record's validation.
 */
final class Rfc3339 {

    private Rfc3339() {
    }

    static boolean isValid(String s) {
        // any character beyond Latin-1 becomes '?', which is not valid anywhere in a timestamp
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return isValid(b, 0, b.length);
    }

    /** The bytes {@code b[from..to)} (a JSON string's content without escapes) as a timestamp. */
    static boolean isValid(byte[] b, int from, int to) {
        int n = to - from;
        if (n < 20) {
            return false;
        }
        int s = from;
        if (!digits(b, s, 4) || b[s + 4] != '-' || !digits(b, s + 5, 2) || b[s + 7] != '-' || !digits(b, s + 8, 2)
                || (b[s + 10] != 'T' && b[s + 10] != 't' && b[s + 10] != ' ')
                || !digits(b, s + 11, 2) || b[s + 13] != ':' || !digits(b, s + 14, 2) || b[s + 16] != ':'
                || !digits(b, s + 17, 2)) {
            return false;
        }
        int month = num(b, s + 5, 2);
        int day = num(b, s + 8, 2);
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(num(b, s, 4), month) || num(b, s + 11, 2) > 23
                || num(b, s + 14, 2) > 59 || num(b, s + 17, 2) > 60) {
            return false;
        }
        int i = s + 19;
        if (b[i] == '.') {
            int start = ++i;
            while (i < to && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == start || i - start > 9) {
                return false;
            }
        }
        if (i >= to) {
            return false;
        }
        byte z = b[i];
        if (z == 'Z' || z == 'z') {
            return i == to - 1;
        }
        return (z == '+' || z == '-') && to - i == 6 && digits(b, i + 1, 2) && b[i + 3] == ':'
                && digits(b, i + 4, 2) && num(b, i + 1, 2) < 24 && num(b, i + 4, 2) < 60;
    }

    /** Days of a month of the proleptic Gregorian calendar: 2025-02-30 is not a time. */
    static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    private static boolean digits(byte[] b, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static int num(byte[] b, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + b[i] - '0';
        }
        return v;
    }
}
