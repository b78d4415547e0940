package dev.nervesys.common;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An answer of ClickHouse other than 200, with its exception code ({@code Code: 27, ...}). */
public final class ClickHouseException extends Exception {

    private static final Pattern CODE = Pattern.compile("Code: (\\d+)");
    /** Codes that mean "this data cannot be stored", as opposed to "the server has a problem". */
    private static final Set<Integer> DATA_CODES = Set.of(6, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 131);

    private final int status;
    private final int code;

    public ClickHouseException(int status, String body) {
        super("ClickHouse answered " + status + ": " + firstLine(body));
        this.status = status;
        Matcher m = CODE.matcher(body);
        this.code = m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String firstLine(String body) {
        String b = body.strip();
        int nl = b.indexOf('\n');
        b = nl < 0 ? b : b.substring(0, nl);
        return b.length() > 500 ? b.substring(0, 500) + "..." : b;
    }

    public int status() {
        return status;
    }

    public int code() {
        return code;
    }

    /**
     * Whether ClickHouse refused the rows themselves (a value it cannot parse into its column):
     * retrying the same rows would fail forever, so they are split up and the culprits dead-lettered.
     * 18.16 reports some such errors with odd codes (an unknown Enum element is code 49), hence the
     * message check: parse errors name the key or the row.
     */
    public boolean rejectsData() {
        String m = getMessage();
        return DATA_CODES.contains(code) || m.contains("while read the value of key") || m.contains("(at row ")
                || m.contains("Unknown element");
    }
}
