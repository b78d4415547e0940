package dev.nervesys.ingest;

import java.util.Locale;

/** Timestamp precision of line protocol: v1 {@code n,u,ms,s,m,h}, v2 {@code ns,us,ms,s}. */
public enum Precision {
    NANOSECONDS(1L),
    MICROSECONDS(1_000L),
    MILLISECONDS(1_000_000L),
    SECONDS(1_000_000_000L),
    MINUTES(60_000_000_000L),
    HOURS(3_600_000_000_000L);

    private final long nanos;

    Precision(long nanos) {
        this.nanos = nanos;
    }

    /** Nanoseconds for a timestamp in this precision, or throws when it overflows. */
    public long toNanos(long value) {
        return Math.multiplyExact(value, nanos);
    }

    /** Null or empty means nanoseconds, like InfluxDB. */
    public static Precision parse(String text) {
        if (text == null || text.isEmpty()) {
            return NANOSECONDS;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "n", "ns" -> NANOSECONDS;
            case "u", "us", "µ", "µs" -> MICROSECONDS;
            case "ms" -> MILLISECONDS;
            case "s" -> SECONDS;
            case "m" -> MINUTES;
            case "h" -> HOURS;
            default -> throw new IllegalArgumentException(
                    "invalid precision '" + text + "' (use ns, us, ms, s; v1 also n, u, m, h)");
        };
    }
}
