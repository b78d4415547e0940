package dev.nervesys.ingest;

/**
 * Checks RFC 3339 timestamps ({@code 2025-12-10T12:00:00.123456789Z}, {@code ...+02:00}) without
 * allocating: {@link java.time.Instant#parse} costs more than the rest of the record's validation.
 */
final class Rfc3339 {

    private Rfc3339() {
    }

    static boolean isValid(String s) {
        int n = s.length();
        if (n < 20) {
            return false;
        }
        if (!digits(s, 0, 4) || s.charAt(4) != '-' || !digits(s, 5, 2) || s.charAt(7) != '-' || !digits(s, 8, 2)
                || (s.charAt(10) != 'T' && s.charAt(10) != 't' && s.charAt(10) != ' ')
                || !digits(s, 11, 2) || s.charAt(13) != ':' || !digits(s, 14, 2) || s.charAt(16) != ':'
                || !digits(s, 17, 2)) {
            return false;
        }
        int month = num(s, 5, 2);
        int day = num(s, 8, 2);
        if (month < 1 || month > 12 || day < 1 || day > 31 || num(s, 11, 2) > 23 || num(s, 14, 2) > 59
                || num(s, 17, 2) > 60) {
            return false;
        }
        int i = 19;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || i - start > 9) {
                return false;
            }
        }
        if (i >= n) {
            return false;
        }
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') {
            return i == n - 1;
        }
        return (z == '+' || z == '-') && n - i == 6 && digits(s, i + 1, 2) && s.charAt(i + 3) == ':'
                && digits(s, i + 4, 2) && num(s, i + 1, 2) < 24 && num(s, i + 4, 2) < 60;
    }

    private static boolean digits(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int num(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + s.charAt(i) - '0';
        }
        return v;
    }
}
