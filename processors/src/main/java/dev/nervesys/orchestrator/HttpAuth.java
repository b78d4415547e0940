package dev.nervesys.orchestrator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** HTTP basic auth of an agent: its id as the user, its credential as the password. */
record HttpAuth(String user, String password) {

    static final String CHALLENGE = "Basic realm=\"nervesys orchestrator\"";

    /** The user and password of an {@code Authorization: Basic} header, or null when there is none or it is malformed. */
    static HttpAuth of(Object header) {
        if (!(header instanceof String h) || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new HttpAuth(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
}
