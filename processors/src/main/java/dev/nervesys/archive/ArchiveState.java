package dev.nervesys.archive;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What the archiver keeps beside its buffer cursor, committed with it: the pending archive (its row
 * range and key, fixed before the first upload attempt so a retry after a crash writes the same
 * object) and the minute of the last archive with its suffix, which picks {@code -<n>}.
 * Encoded as {@code first,last,key|minute,n} (no key contains '|' or ',').
 */
record ArchiveState(long first, long last, String key, String minute, int n) {

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd/HH-mm").withZone(ZoneOffset.UTC);

    static ArchiveState decode(String s) {
        if (s == null || s.isEmpty()) {
            return new ArchiveState(0, 0, null, null, 0);
        }
        String[] halves = s.split("\\|", -1);
        String[] p = halves[0].split(",", -1);
        String[] m = halves[1].split(",", -1);
        return new ArchiveState(Long.parseLong(p[0]), Long.parseLong(p[1]), p[2].isEmpty() ? null : p[2],
                m[0].isEmpty() ? null : m[0], Integer.parseInt(m[1]));
    }

    String encode() {
        return first + "," + last + "," + (key == null ? "" : key) + "|" + (minute == null ? "" : minute) + "," + n;
    }

    boolean pending() {
        return key != null;
    }

    /**
     * A new pending archive for rows [first, last]: key {@code <prefix>/<server>/<yyyy-MM-dd>/<HH-mm>[-n]<ext>}
     * from the time the first row was received (UTC).
     */
    ArchiveState plan(long firstId, long lastId, long firstReceivedAt, String prefix, String server, String ext) {
        String m = MINUTE.format(Instant.ofEpochMilli(firstReceivedAt));
        int next = m.equals(minute) ? n + 1 : 0;
        String k = prefix + "/" + server + "/" + m + (next == 0 ? "" : "-" + next) + ext;
        return new ArchiveState(firstId, lastId, k, m, next);
    }

    ArchiveState done() {
        return new ArchiveState(0, 0, null, minute, n);
    }
}
