package dev.nervesys.telecrunch.schema;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Text forms of values: floats printed exactly from their integer units (no binary floating
 * point on the way out, so 0.1 never prints as 0.1000000000000000055), times as ISO-8601 UTC.
 */
public final class ValueText {

    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private ValueText() {
    }

    /** The text of a unit as the NDJSON and CSV outputs print it (enum name, true/false, number, time). */
    public static String unitText(FieldSpec spec, long unit) {
        StringBuilder sb = new StringBuilder(24);
        appendUnit(sb, spec, unit, new TimeText());
        return sb.toString();
    }

    public static void appendUnit(StringBuilder sb, FieldSpec spec, long unit, TimeText times) {
        switch (spec.type()) {
            case INT -> sb.append(unit);
            case FLOAT -> appendFixed(sb, unit * spec.precisionScaled(), spec.decimals());
            case BOOL -> sb.append(unit != 0);
            case ENUM -> sb.append(unit >= 0 && unit < spec.enumValues().size()
                    ? spec.enumValues().get((int) unit) : "#" + unit);
            case TIME -> times.append(sb, unit * spec.resolutionNanos(), fractionDigits(spec.resolutionNanos()));
            case STRING -> throw new IllegalArgumentException("strings have no unit form");
        }
    }

    /** Appends {@code scaled / 10^decimals} exactly, e.g. (-1234, 2) as -12.34. */
    public static void appendFixed(StringBuilder sb, long scaled, int decimals) {
        if (decimals == 0) {
            sb.append(scaled);
            return;
        }
        long p = POW10[decimals];
        if (scaled < 0) {
            sb.append('-');
            if (scaled == Long.MIN_VALUE) {
                // cannot negate; print via the unsigned division path
                appendFixedPositive(sb, Long.divideUnsigned(scaled, p), Long.remainderUnsigned(scaled, p), decimals);
                return;
            }
            scaled = -scaled;
        }
        appendFixedPositive(sb, scaled / p, scaled % p, decimals);
    }

    private static void appendFixedPositive(StringBuilder sb, long whole, long frac, int decimals) {
        sb.append(whole).append('.');
        for (int d = decimals - 1; d >= 0; d--) {
            sb.append((char) ('0' + (frac / POW10[d]) % 10));
        }
    }

    public static int fractionDigits(long resolutionNanos) {
        return resolutionNanos >= 1_000_000_000 ? 0 : resolutionNanos >= 1_000_000 ? 3 : resolutionNanos >= 1_000 ? 6 : 9;
    }

    /** Nanoseconds since the epoch of an ISO-8601 instant such as 2025-12-10T12:00:00.123456789Z. */
    public static long parseTimeNanos(String text) {
        try {
            Instant i = Instant.parse(text);
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("not an ISO-8601 UTC time within 1677..2262: '" + text + "'");
        }
    }

    /**
     * Formats nanosecond times; caches the date-and-seconds prefix because consecutive records
     * almost always share it. One per thread.
     */
    public static final class TimeText {
        private long cachedSecond = Long.MIN_VALUE;
        private String cachedPrefix;

        public void append(StringBuilder sb, long nanos, int digits) {
            long sec = Math.floorDiv(nanos, 1_000_000_000L);
            long frac = Math.floorMod(nanos, 1_000_000_000L);
            if (sec != cachedSecond) {
                cachedPrefix = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC).toString();
                if (cachedPrefix.length() == 16) {
                    cachedPrefix += ":00"; // LocalDateTime omits zero seconds
                }
                cachedSecond = sec;
            }
            sb.append(cachedPrefix);
            if (digits > 0) {
                sb.append('.');
                long v = frac / POW10[9 - digits];
                for (int d = digits - 1; d >= 0; d--) {
                    sb.append((char) ('0' + (v / POW10[d]) % 10));
                }
            }
            sb.append('Z');
        }

        public String format(long nanos) {
            StringBuilder sb = new StringBuilder(32);
            append(sb, nanos, 9);
            return sb.toString();
        }
    }
}
