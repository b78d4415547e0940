package dev.nervesys.orchestrator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The fleet API's admin tokens ({@value #ENV}: comma-separated, so one can be rotated while another is
 * still in use). People and tools send one as {@code Authorization: Bearer <token>}; agents' own
 * credentials do not open the API. Each candidate is compared with every token in constant time
 * (MessageDigest.isEqual over their SHA-256, so neither content nor length leaks through timing);
 * a token is never logged: audits name it by the first 12 hex digits of its hash.
 */
final class ApiTokens {

    static final String ENV = "NERVESYS_ORCHESTRATOR_API_TOKENS";

    /** Why a request is let in (the token's public id) or not (status and message). */
    record Check(String tokenId, Refused refused) {
    }

    private final List<byte[]> hashes;

    /** @param configured the value of {@value #ENV}, or null (API off) */
    ApiTokens(String configured) {
        this.hashes = configured == null ? List.of() : Arrays.stream(configured.split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).map(ApiTokens::sha256).toList();
    }

    boolean enabled() {
        return !hashes.isEmpty();
    }

    Check check(Object authorization) {
        if (!enabled()) {
            return new Check(null, new Refused(404, "the fleet API is off: set " + ENV + " on the orchestrator"));
        }
        if (!(authorization instanceof String h) || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
            return new Check(null, new Refused(401, "API token required: Authorization: Bearer <one of " + ENV + ">"));
        }
        byte[] candidate = sha256(h.substring(7).trim());
        boolean ok = false;
        for (byte[] known : hashes) {
            ok |= MessageDigest.isEqual(known, candidate);
        }
        if (!ok) {
            return new Check(null, new Refused(403, "API token not accepted by this orchestrator"));
        }
        return new Check(Secrets.tokenId(java.util.HexFormat.of().formatHex(candidate)), null);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
