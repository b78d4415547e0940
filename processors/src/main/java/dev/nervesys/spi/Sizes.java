package dev.nervesys.spi;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human forms of sizes and durations used in properties. */
public final class Sizes {

    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern COMPOUND = Pattern.compile("(\\d+\\s*(ms|s|m|h|d)\\s*)+");

    private Sizes() {
    }

    public static long parseBytes(String text) {
        Matcher m = BYTES.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use 1048576, 512KB, 100MB, 1GB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        return switch (unit.charAt(0)) {
            case 'k' -> n * 1024;
            case 'm' -> n * 1024 * 1024;
            case 'g' -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }

    /**
     * The one parser of durations, for settings and config files alike: a number with a unit
     * ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}), several of them
     * ({@code 1m30s}), or ISO-8601 ({@code PT1M30S}). A plain number is rejected, 0 excepted: Camel
     * reads one as milliseconds and people write it meaning seconds, so it has no single meaning.
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            return Duration.parse(t);
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.matches("0+")) {
            return Duration.ZERO;
        }
        if (lower.matches("\\d+")) {
            throw new IllegalArgumentException("a duration needs a unit: '" + text + "' has none (write " + t + "s or "
                    + t + "ms; units ms, s, m, h, d)");
        }
        if (!COMPOUND.matcher(lower).matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (use 500ms, 30s, 10m, 1m30s, 1h, 1d, PT10M)");
        }
        Duration total = Duration.ZERO;
        Matcher m = DURATION.matcher(lower);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return total;
    }
}
