package dev.nervesys.classify;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Log levels and their order (syslog's, plus the usual aliases), case-insensitive:
 * trace 0, debug 1, info 2, notice 3, warn 4, error 5, critical 6, alert 7, emergency 8.
 */
public final class Levels {

    public static final int UNKNOWN = -1;
    private static final Map<String, Integer> RANK = new HashMap<>();
    static final List<String> NAMES = List.of("trace", "debug", "info", "notice", "warn", "error", "critical", "alert", "emergency");

    static {
        String[][] aliases = {
                {"trace", "finest", "finer"}, {"debug", "fine", "dbg"}, {"info", "information", "informational", "config"},
                {"notice"}, {"warn", "warning"}, {"error", "err", "severe"}, {"critical", "crit", "fatal"},
                {"alert"}, {"emergency", "emerg", "panic"}};
        for (int rank = 0; rank < aliases.length; rank++) {
            for (String a : aliases[rank]) {
                RANK.put(a, rank);
                RANK.put(a.toUpperCase(Locale.ROOT), rank);
                RANK.put(Character.toUpperCase(a.charAt(0)) + a.substring(1), rank);
            }
        }
    }

    private Levels() {
    }

    /** The rank of a level name, or {@link #UNKNOWN}. */
    public static int rank(String level) {
        if (level == null) {
            return UNKNOWN;
        }
        Integer r = RANK.get(level);
        if (r == null) {
            r = RANK.get(level.trim().toLowerCase(Locale.ROOT));
        }
        return r == null ? UNKNOWN : r;
    }

    public static String name(int rank) {
        return NAMES.get(rank);
    }
}
