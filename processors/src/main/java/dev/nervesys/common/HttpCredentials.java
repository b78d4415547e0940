package dev.nervesys.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How a token reaches an HTTP port, read one way on every port (ingest, live): the Authorization
 * header as {@code Bearer <token>}, {@code Token <token>} (InfluxDB's clients) or {@code Basic} with
 * the token as password (browsers ask for it); and query parameters that carry one, cut from the URI
 * before anything else sees it.
 */
public final class HttpCredentials {

    private HttpCredentials() {
    }

    /** The token of an Authorization header, or null when it holds none. */
    public static String fromAuthorization(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        int sp = a.indexOf(' ');
        if (sp <= 0) {
            return null;
        }
        String scheme = a.substring(0, sp);
        String value = a.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Token")) {
            return value;
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            try {
                String userPass = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
                int colon = userPass.indexOf(':');
                return colon >= 0 ? userPass.substring(colon + 1) : userPass;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** The scheme of an Authorization header ({@code Basic}), or "" when it has none. */
    public static String scheme(String authorization) {
        if (authorization == null) {
            return "";
        }
        String a = authorization.strip();
        int sp = a.indexOf(' ');
        return sp <= 0 ? "" : a.substring(0, sp);
    }

    /** The URI without every {@code name=...} parameter of its query, the rest exactly as sent. */
    public static String withoutParameter(String uri, String name) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return uri;
        }
        StringBuilder out = new StringBuilder(uri.substring(0, q));
        char sep = '?';
        for (String kv : uri.substring(q + 1).split("&")) {
            if (kv.isEmpty() || kv.equals(name) || kv.startsWith(name + "=")) {
                continue;
            }
            out.append(sep).append(kv);
            sep = '&';
        }
        return out.toString();
    }
}
