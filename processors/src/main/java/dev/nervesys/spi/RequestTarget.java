package dev.nervesys.spi;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one decoder of request targets ({@code /runs/r%201/export?format=csv&series=a*}) for every
 * handler of the live server's port (docs/live.md): the raw path, its segments percent-decoded, and
 * the query parameters decoded ({@code +} is a space there). Strict, so that no handler meets a
 * half-decoded string: a {@code %} not followed by two hex digits, or escapes that are not UTF-8,
 * are {@link Malformed} with a message naming the offending part, which the server answers 400.
 * {@code java.net.URLDecoder} throws an unchecked {@code IllegalArgumentException} for the first and
 * silently substitutes U+FFFD for the second, which is why this is not a thin wrapper around it.
 *
 * @param path the path as received, without query or fragment
 * @param segments the path's segments between slashes, percent-decoded (empty segments dropped)
 * @param query parameters in order; a repeated name joins its values with a comma
 */
public record RequestTarget(String path, List<String> segments, Map<String, String> query) {

    /** A request target that cannot be decoded; the message says where and why. */
    public static final class Malformed extends Exception {
        public Malformed(String message) {
            super(message);
        }
    }

    public static RequestTarget parse(String uri) throws Malformed {
        String target = uri;
        int hash = target.indexOf('#');
        if (hash >= 0) {
            target = target.substring(0, hash);
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                segments.add(decode(s, false, "path segment"));
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : target.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                String k = decode(eq < 0 ? kv : kv.substring(0, eq), true, "query parameter name");
                String v = eq < 0 ? "" : decode(kv.substring(eq + 1), true, "value of query parameter '" + printable(k) + "'");
                query.merge(k, v, (a, b) -> a + "," + b);
            }
        }
        return new RequestTarget(path, List.copyOf(segments), Collections.unmodifiableMap(query));
    }

    /**
     * Percent-decodes one component as UTF-8; {@code plusIsSpace} in query components. Netty hands
     * the request line over one char per byte (ISO-8859-1), so a component whose chars all fit a
     * byte is taken as those bytes: raw UTF-8 sent unescaped decodes too, and raw bytes that are not
     * UTF-8 are refused like bad escapes.
     */
    static String decode(String s, boolean plusIsSpace, String what) throws Malformed {
        boolean ascii = true;
        boolean latin1 = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            ascii &= c < 0x80;
            latin1 &= c <= 0xff;
        }
        if (ascii && s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) {
            return s;
        }
        byte[] raw = s.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(raw.length);
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '%') {
                if (i + 2 >= raw.length || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) {
                    String esc = new String(raw, i, Math.min(3, raw.length - i), StandardCharsets.ISO_8859_1);
                    throw new Malformed("malformed percent-escape '" + printable(esc) + "' in " + what
                            + ": '%' must be followed by two hex digits");
                }
                out.put((byte) (hex(raw[i + 1]) << 4 | hex(raw[i + 2])));
                i += 2;
            } else if (b == '+' && plusIsSpace) {
                out.put((byte) ' ');
            } else {
                out.put(b);
            }
        }
        out.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(out);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new Malformed(what + " is not valid UTF-8 once its percent-escapes are decoded");
        }
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /** For messages: control characters and the rest of the unprintable shown as \\uXXXX, at most 80 chars. */
    public static String printable(String s) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < s.length() && r.length() < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                r.append(String.format("\\u%04x", (int) c));
            } else {
                r.append(c);
            }
        }
        return s.length() > 80 ? r + "..." : r.toString();
    }
}
