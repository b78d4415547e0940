package dev.nervesys.common;

/**
 * Series patterns such as {@code engine-*.rpm}, as the runs API (an export's {@code series}) and
 * the live view (a subscription's {@code series}) accept them: {@code *} matches anything, every
 * other character itself.
 */
public final class SeriesGlob {

    private SeriesGlob() {
    }

    /** {@code engine-*.rpm} to {@code ^engine\-.*\.rpm$}: every character but {@code *} literal. */
    public static String toRegex(String glob) {
        StringBuilder b = new StringBuilder("^");
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                b.append(".*");
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                b.append(c);
            } else {
                b.append('\\').append(c);
            }
        }
        return b.append('$').toString();
    }
}
