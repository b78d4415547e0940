package dev.nervesys.spi;

import java.nio.charset.StandardCharsets;

/**
 * The agent's one reader of RFC 3339 times ({@code 2025-12-10T12:00:00.123456789Z},
 * {@code ...+02:00}) in records (docs/records.md): the ingest validates with it, the ClickHouse
 * shipper and the live view ({@code runs.Telemetry}) compute the instant with it, so a time accepted
 * at the door is the time stored. It works on bytes and allocates nothing: it runs for every record
 * ingested and every record shipped, where {@link java.time.Instant#parse} would cost more than the
 * rest of the record's validation (docs/benchmarks.md).
 *
 * <p>Form: {@code YYYY-MM-DD} {@code T}/{@code t}/space {@code hh:mm:ss}, an optional fraction of 1
 * to 9 digits, then {@code Z}/{@code z} or {@code +hh:mm}/{@code -hh:mm}. Checked: the month, the
 * day against the month's length (leap years of the Gregorian calendar: 2024-02-29 and 2000-02-29
 * exist, 2025-02-29 and 1900-02-29 do not), hour 00-23, minute 00-59, second 00-59, offset at most
 * ±23:59. Second 60 (a leap second) is accepted only where one can be, at 23:59:60 UTC (any day: the
 * agent carries no leap-second table), and counts as 23:59:59 with its fraction, as
 * {@code Instant.parse} reads it.
 */
public final class Rfc3339 {

    private static final int OK = 0;
    private static final int SYNTAX = 1;
    private static final int MONTH = 2;
    private static final int DAY = 3;
    private static final int HOUR = 4;
    private static final int MINUTE = 5;
    private static final int SECOND = 6;
    private static final int OFFSET = 7;

    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"};

    private Rfc3339() {
    }

    /** The bytes {@code b[from..to)} (a JSON string's content without escapes) are a valid time. */
    public static boolean isValid(byte[] b, int from, int to) {
        return check(b, from, to) == OK;
    }

    public static boolean isValid(String s) {
        byte[] b = latin1(s);
        return check(b, 0, b.length) == OK;
    }

    /** Why {@code s} is not a valid time, in words for an error message; null when it is valid. */
    public static String problem(String s) {
        byte[] b = latin1(s);
        int from = 0;
        int to = b.length;
        return switch (check(b, from, to)) {
            case OK -> null;
            case MONTH -> "month " + num(b, from + 5, 2) + " does not exist";
            case DAY -> {
                int year = num(b, from, 4);
                int month = num(b, from + 5, 2);
                yield date(b, from) + " does not exist (" + MONTHS[month - 1] + " " + year + " has "
                        + daysInMonth(year, month) + " days)";
            }
            case HOUR -> "hour " + num(b, from + 11, 2) + " is out of range (00-23)";
            case MINUTE -> "minute " + num(b, from + 14, 2) + " is out of range (00-59)";
            case SECOND -> "second " + num(b, from + 17, 2)
                    + " is out of range (00-59; 60 only for a leap second, 23:59:60 UTC)";
            case OFFSET -> "offset " + new String(b, to - 6, 6, StandardCharsets.ISO_8859_1)
                    + " is out of range (at most +23:59 / -23:59)";
            default -> "not of the form YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm) with up to 9 fraction digits";
        };
    }

    /**
     * Seconds since 1970-01-01T00:00:00Z of a time (negative before 1970; a leap second counts as
     * :59). Throws {@link IllegalArgumentException} with {@link #problem} when it is not valid.
     */
    public static long epochSecond(byte[] b, int from, int to) {
        int offsetMinutes = validOffsetMinutes(b, from, to);
        int second = Math.min(59, num(b, from + 17, 2));
        return daysFromCivil(num(b, from, 4), num(b, from + 5, 2), num(b, from + 8, 2)) * 86_400L
                + num(b, from + 11, 2) * 3600L + num(b, from + 14, 2) * 60L + second - offsetMinutes * 60L;
    }

    /** The fraction of a valid time in nanoseconds (0 to 999,999,999). */
    public static int nanos(byte[] b, int from, int to) {
        int i = from + 19;
        if (b[i] != '.') {
            return 0;
        }
        int ns = 0;
        int digits = 0;
        for (i++; i < to && b[i] >= '0' && b[i] <= '9'; i++, digits++) {
            ns = ns * 10 + (b[i] - '0');
        }
        for (; digits < 9; digits++) {
            ns *= 10;
        }
        return ns;
    }

    /** ISO-8859-1 bytes of a string: any character beyond Latin-1 becomes '?', invalid anywhere in a time. */
    public static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int validOffsetMinutes(byte[] b, int from, int to) {
        if (check(b, from, to) != OK) {
            throw new IllegalArgumentException(problem(new String(b, from, to - from, StandardCharsets.ISO_8859_1)));
        }
        byte z = b[to - 1];
        if (z == 'Z' || z == 'z') {
            return 0;
        }
        int minutes = num(b, to - 5, 2) * 60 + num(b, to - 2, 2);
        return b[to - 6] == '-' ? -minutes : minutes;
    }

    /** {@link #OK} or the first thing wrong: the form first, then the ranges. */
    private static int check(byte[] b, int from, int to) {
        int s = from;
        if (to - s < 20 || !digits(b, s, 4) || b[s + 4] != '-' || !digits(b, s + 5, 2) || b[s + 7] != '-'
                || !digits(b, s + 8, 2) || (b[s + 10] != 'T' && b[s + 10] != 't' && b[s + 10] != ' ')
                || !digits(b, s + 11, 2) || b[s + 13] != ':' || !digits(b, s + 14, 2) || b[s + 16] != ':'
                || !digits(b, s + 17, 2)) {
            return SYNTAX;
        }
        int i = s + 19;
        if (b[i] == '.') {
            int start = ++i;
            while (i < to && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == start || i - start > 9) {
                return SYNTAX;
            }
        }
        if (i >= to) {
            return SYNTAX;
        }
        byte z = b[i];
        int offsetMinutes = 0;
        if (z == 'Z' || z == 'z') {
            if (i != to - 1) {
                return SYNTAX;
            }
        } else if ((z == '+' || z == '-') && to - i == 6 && digits(b, i + 1, 2) && b[i + 3] == ':' && digits(b, i + 4, 2)) {
            int oh = num(b, i + 1, 2);
            int om = num(b, i + 4, 2);
            if (oh > 23 || om > 59) {
                return OFFSET;
            }
            offsetMinutes = z == '-' ? -(oh * 60 + om) : oh * 60 + om;
        } else {
            return SYNTAX;
        }
        int month = num(b, s + 5, 2);
        if (month < 1 || month > 12) {
            return MONTH;
        }
        int day = num(b, s + 8, 2);
        if (day < 1 || (day > 28 && day > daysInMonth(num(b, s, 4), month))) {
            return DAY;
        }
        int hour = num(b, s + 11, 2);
        if (hour > 23) {
            return HOUR;
        }
        int minute = num(b, s + 14, 2);
        if (minute > 59) {
            return MINUTE;
        }
        int second = num(b, s + 17, 2);
        // a leap second is inserted at 23:59:60 UTC: in local time, 23:59 minus the offset
        if (second > 59 && (second > 60 || Math.floorMod(hour * 60 + minute - offsetMinutes, 1440) != 1439)) {
            return SECOND;
        }
        return OK;
    }

    static int daysInMonth(int year, int month) {
        if (month == 2) {
            return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    /** Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
    private static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    private static String date(byte[] b, int from) {
        return new String(b, from, 10, StandardCharsets.ISO_8859_1);
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
