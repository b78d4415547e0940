package dev.nervesys.telecrunch.schema;

/**
 * Which field names every output format can carry (docs/telecrunch.md): the schema loader refuses
 * the others, and the line protocol writer checks with the same rule.
 */
public final class FieldNames {

    private FieldNames() {
    }

    /**
     * Why line protocol cannot carry this field key, or null when it can: a line break ends the line,
     * a trailing backslash escapes the delimiter after it, a leading tab or NUL is skipped as white
     * space, and InfluxDB reads a backslash in a field
     * key as escaping whatever follows, so an odd number of backslashes right before a comma, equals
     * sign or space cannot be read back.
     */
    public static String lineProtocolProblem(String key) {
        if (key.indexOf('\n') >= 0) {
            return "it holds a line break";
        }
        if (key.startsWith("\t") || key.startsWith("\0")) {
            return "it starts with a tab or NUL, which InfluxDB skips as white space";
        }
        if (key.endsWith("\\")) {
            return "it ends in a backslash, which escapes the delimiter after it";
        }
        int run = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (",= ".indexOf(c) >= 0 && run % 2 == 1) {
                return "an odd number of backslashes before '" + c + "' cannot be read back";
            }
            run = c == '\\' ? run + 1 : 0;
        }
        return null;
    }
}
