package dev.nervesys.buffer;

import java.util.Locale;

/** Policy {@code nervesys.buffer.whenFull}. */
public enum WhenFull {
    /** Refuse the batch (ingest answers 503 + Retry-After); what was accepted is never lost. */
    REJECT,
    /** Delete the oldest rows to make room, even unshipped ones; every dropped row is counted. */
    DROP_OLDEST;

    public static WhenFull parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "reject" -> REJECT;
            case "drop-oldest", "drop_oldest" -> DROP_OLDEST;
            default -> throw new IllegalArgumentException(
                    "nervesys.buffer.whenFull must be reject or drop-oldest, not '" + text + "'");
        };
    }
}
