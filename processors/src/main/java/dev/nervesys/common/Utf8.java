package dev.nervesys.common;

/**
 * Strict UTF-8 checks for the hand-written JSON scanners (ingest's {@link NdjsonScanner}, the
 * classifier's field reader): RFC 3629, no overlong forms, no surrogates, at most U+10FFFF, which
 * is a subset of what Jackson accepts, so a scanner that says "valid" never contradicts Jackson.
 */
public final class Utf8 {

    private Utf8() {
    }

    /**
     * The index just after the multi-byte sequence that starts at {@code start} (a byte with the
     * high bit set), or -1 when the sequence is not valid or runs past {@code end}.
     */
    public static int sequenceEnd(byte[] b, int start, int end) {
        int c = b[start] & 0xFF;
        int more;
        int min;
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
            min = 0x80;
            c &= 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            min = 0x800;
            c &= 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            return -1;
        }
        int pos = start + 1;
        if (end - pos < more) {
            return -1;
        }
        for (int i = 0; i < more; i++) {
            int d = b[pos++] & 0xFF;
            if ((d & 0xC0) != 0x80) {
                return -1;
            }
            c = (c << 6) | (d & 0x3F);
        }
        return c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? -1 : pos;
    }

    /** Whether {@code b[from, to)} holds exactly the ASCII text {@code s} (a JSON key or keyword). */
    public static boolean equalsAscii(byte[] b, int from, int to, String s) {
        if (to - from != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b[from + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
