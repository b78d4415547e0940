package dev.nervesys.spi;

import java.time.Instant;
import java.util.Locale;

/**
 * A log record the classifier found critical, as handed to the alert path: what an alert needs,
 * not the record itself (the record goes to the buffer and the archive as usual).
 *
 * @param rule      the classifier rule that decided, or {@code text} for the text classifier
 * @param level     the record's level as sent, or the default level when it had none
 * @param message   the message, truncated to {@code classify.max_message_chars}
 * @param coalesced further critical lines of the same {@link #coalescingKey} that the classifier's
 *                  queue folded into this one while it was under pressure (docs/classify.md): they
 *                  are counted by the alert group, not raised one by one
 */
public record CriticalRecord(Instant at, String rule, String label, String level, String message, String reason,
                             long coalesced) {

    public CriticalRecord(Instant at, String rule, String label, String level, String message, String reason) {
        this(at, rule, label, level, message, reason, 0);
    }

    /**
     * What the alert path notifies a record with (docs/alerts.md, "Groups"): a bean of this type in
     * the registry (bean {@code alerts}) tells the classifier's queue which group a record belongs
     * to, so that a full queue folds records by group, never across groups (docs/classify.md).
     * Called on ingest threads: it must be thread-safe and cheap.
     */
    @FunctionalInterface
    public interface Grouping {
        /** A key equal for two records exactly when the alert path puts them in the same group. */
        String groupOf(CriticalRecord record);
    }

    /** The same record carrying {@code n} folded lines. */
    public CriticalRecord withCoalesced(long n) {
        return new CriticalRecord(at, rule, label, level, message, reason, n);
    }

    /**
     * What the classifier's queue folds by under pressure: rule, label, level and message
     * {@link #template}. Every alert group label (docs/alerts.md, {@code group_by}) is a function of
     * these (agent and server are the agent's own), so records of two different groups never share
     * a key: folding never hides a new group.
     */
    public String coalescingKey() {
        StringBuilder b = new StringBuilder(64 + Math.min(message == null ? 0 : message.length(), 200));
        b.append(rule).append('\n').append(label).append('\n').append(level).append('\n');
        return appendTemplate(b, message).toString();
    }

    /**
     * The message, lower-cased, first 200 chars, with every word holding a digit and every word of
     * six or more hex letters (an id such as {@code fdbbea}) replaced by {@code *}. A word is a run
     * of letters, digits and {@code _ . : / -}; the hex rule looks at its parts between {@code . : / -}.
     * One pass, no regular expression (this runs for every new alert, in a storm too).
     */
    public static String template(String message) {
        return message == null ? "" : appendTemplate(new StringBuilder(Math.min(message.length(), 200)), message).toString();
    }

    /**
     * {@link #template} appended to {@code out}. Runs on ingest threads for every critical line of a
     * storm (the queue folds by it): ASCII messages take one pass without intermediate strings; others
     * the general path (String.toLowerCase, whose result can differ in length from char-wise lowering).
     */
    private static StringBuilder appendTemplate(StringBuilder out, String message) {
        if (message == null) {
            return out;
        }
        int n = Math.min(message.length(), 200);
        for (int i = 0; i < n; i++) {
            if (message.charAt(i) >= 0x80) {
                return out.append(templateGeneral(message));
            }
        }
        int i = 0;
        while (i < n) {
            char c = lowerAscii(message.charAt(i));
            if (!wordChar(c)) {
                out.append(c);
                i++;
                continue;
            }
            int end = i;
            boolean digit = false;
            while (end < n && wordChar(message.charAt(end))) {
                char e = message.charAt(end);
                digit |= e >= '0' && e <= '9';
                end++;
            }
            if (digit) {
                out.append('*');
            } else {
                int part = i;
                for (int k = i; k <= end; k++) {
                    char sep = k < end ? message.charAt(k) : 0;
                    if (k == end || sep == '.' || sep == ':' || sep == '/' || sep == '-') {
                        if (k - part >= 6 && hexLettersAscii(message, part, k)) {
                            out.append('*');
                        } else {
                            for (int j = part; j < k; j++) {
                                out.append(lowerAscii(message.charAt(j)));
                            }
                        }
                        if (k < end) {
                            out.append(sep);
                        }
                        part = k + 1;
                    }
                }
            }
            i = end;
        }
        return out;
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static boolean hexLettersAscii(String s, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = lowerAscii(s.charAt(k));
            if (c < 'a' || c > 'f') {
                return false;
            }
        }
        return true;
    }

    /** The general path of {@link #template} (any characters). */
    static String templateGeneral(String message) {
        String m = (message.length() > 200 ? message.substring(0, 200) : message).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(m.length());
        int i = 0;
        while (i < m.length()) {
            char c = m.charAt(i);
            if (!wordChar(c)) {
                out.append(c);
                i++;
                continue;
            }
            int end = i;
            boolean digit = false;
            while (end < m.length() && wordChar(m.charAt(end))) {
                digit |= Character.isDigit(m.charAt(end));
                end++;
            }
            if (digit) {
                out.append('*');
            } else {
                int part = i;
                for (int k = i; k <= end; k++) {
                    if (k == end || ".:/-".indexOf(m.charAt(k)) >= 0) {
                        out.append(k - part >= 6 && hexLetters(m, part, k) ? "*" : m.substring(part, k));
                        if (k < end) {
                            out.append(m.charAt(k));
                        }
                        part = k + 1;
                    }
                }
            }
            i = end;
        }
        return out.toString();
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
    }

    private static boolean hexLetters(String s, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c < 'a' || c > 'f') {
                return false;
            }
        }
        return true;
    }
}
