package dev.nervesys.ingest;

import dev.nervesys.common.HttpCredentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Ingest tokens ({@code NERVESYS_INGEST_TOKENS} or {@code nervesys.ingest.tokens}, comma-separated).
 * Accepted where InfluxDB clients put them: {@code Authorization: Token t} (v2), {@code Bearer t},
 * Basic auth or {@code ?p=} (v1; the password is the token, the user name is ignored).
 * No tokens configured = no auth (a laptop default; docs/ingest.md says to set them in production).
 */
final class TokenAuth {

    private final List<byte[]> tokens = new ArrayList<>();

    TokenAuth(String commaSeparated) {
        if (commaSeparated != null) {
            for (String t : commaSeparated.split(",")) {
                if (!t.isBlank()) {
                    tokens.add(t.trim().getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    boolean enabled() {
        return !tokens.isEmpty();
    }

    /**
     * The token the request presents, or null.
     *
     * @param authorization the Authorization header
     * @param password      the v1 {@code p} query parameter
     */
    static String presented(String authorization, String password) {
        String token = HttpCredentials.fromAuthorization(authorization);
        if (token != null || HttpCredentials.scheme(authorization).equalsIgnoreCase("Basic")) {
            return token; // a Basic header that does not decode presents nothing, not the p parameter
        }
        return password == null || password.isEmpty() ? null : password;
    }

    /** Checks the token; returns the rate-limit key (the token itself, or "anonymous"). */
    String check(String token) throws IngestRejected {
        if (!enabled()) {
            return "anonymous";
        }
        if (token == null || token.isEmpty()) {
            // "authorization failed" is InfluxDB's text; influxdb-java's batching mode then drops the batch
            // and reports it instead of retrying it for ever
            throw new IngestRejected(401, "authorization failed: authentication required: send Authorization: Token <token>");
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) {
            ok |= MessageDigest.isEqual(t, given); // constant time, and no early exit over the list
        }
        if (!ok) {
            throw new IngestRejected(403, "authorization failed: token not accepted");
        }
        return token;
    }
}
