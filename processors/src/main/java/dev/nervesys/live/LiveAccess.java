package dev.nervesys.live;

import dev.nervesys.common.HttpCredentials;
import dev.nervesys.common.RateLimiter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may use the live port (docs/security.md, "Live port"): the tokens of
 * {@code NERVESYS_LIVE_TOKENS} (comma list, environment only), checked at the entry of every
 * request (UI, runs API, exports, the WebSocket handshake of both protocols), and a rate limit of
 * requests per second per token. A token is accepted as {@code Authorization: Bearer t}, as Basic
 * auth with the token as password (any user name: a browser asks for it), as the query parameter
 * {@code token} (WebSocket clients that cannot set headers, such as Foxglove, and a browser's first
 * visit), or as the cookie {@value #COOKIE} that the UI page sets after such a visit. Without
 * tokens the port is open, which protected mode allows on 127.0.0.1 only.
 */
public final class LiveAccess {

    public static final String ENV = "NERVESYS_LIVE_TOKENS";
    public static final String COOKIE = "nervesys_live_token";
    public static final String PARAMETER = "token";

    private final List<byte[]> tokens = new ArrayList<>();
    private final RateLimiter limiter;

    /** @param commaSeparated the tokens, or null/blank for none; @param perSecond requests per second per token, 0 = unlimited */
    public LiveAccess(String commaSeparated, double perSecond, double burst) {
        if (commaSeparated != null) {
            for (String t : commaSeparated.split(",")) {
                if (!t.isBlank()) {
                    tokens.add(t.strip().getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        this.limiter = new RateLimiter(perSecond, burst);
    }

    /** No tokens, no rate limit: what the port was before (tests, benchmarks). */
    public static LiveAccess open() {
        return new LiveAccess(null, 0, 0);
    }

    public boolean enabled() {
        return !tokens.isEmpty();
    }

    /**
     * The verdict on one request.
     *
     * @param status 0 when it may go on, else 401, 403, 429 or 400
     * @param retryAfter seconds, with 429
     * @param fromQuery the token came as the {@value #PARAMETER} parameter (the UI page then sets the cookie)
     */
    record Verdict(int status, String message, long retryAfter, boolean fromQuery, String token) {
        static Verdict ok(boolean fromQuery, String token) {
            return new Verdict(0, null, 0, fromQuery, token);
        }
    }

    Verdict check(HttpRequest req, long nowNanos) {
        String unsafe = unsafePath(req.uri());
        if (unsafe != null) {
            return new Verdict(400, unsafe, 0, false, null);
        }
        String key = "anonymous";
        boolean fromQuery = false;
        String token = null;
        if (enabled()) {
            token = fromHeader(req.headers().get(HttpHeaderNames.AUTHORIZATION));
            if (token == null) {
                token = fromCookie(req.headers().get(HttpHeaderNames.COOKIE));
            }
            if (token == null) {
                List<String> q = new QueryStringDecoder(req.uri()).parameters().get(PARAMETER);
                token = q == null || q.isEmpty() ? null : q.get(0);
                fromQuery = token != null;
            }
            if (token == null || token.isEmpty()) {
                return new Verdict(401, "authentication required: send Authorization: Bearer <token> or ?token=<token>"
                        + " (NERVESYS_LIVE_TOKENS, docs/security.md)", 0, false, null);
            }
            if (!accepted(token)) {
                return new Verdict(403, "token not accepted", 0, false, null);
            }
            key = token;
        }
        long wait = limiter.take(key, nowNanos);
        if (wait > 0) {
            return new Verdict(429, "rate limit: too many requests for this token, retry in " + wait + " s", wait, false, null);
        }
        return Verdict.ok(fromQuery, token);
    }

    private boolean accepted(String token) {
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) {
            ok |= MessageDigest.isEqual(t, given); // constant time, no early exit
        }
        return ok;
    }

    static String fromHeader(String authorization) {
        return HttpCredentials.fromAuthorization(authorization);
    }

    private static String fromCookie(String header) {
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
            if (c.name().equals(COOKIE)) {
                return c.value();
            }
        }
        return null;
    }

    /** The URI without the {@value #PARAMETER} parameter: the token goes no further than this check (nor into the runs API or logs). */
    static String withoutToken(String uri) {
        return HttpCredentials.withoutParameter(uri, PARAMETER);
    }

    /**
     * Why a request path is refused, or null: a segment that decodes to {@code .} or {@code ..}, or
     * holds a slash, a backslash or a control character (a run id or export name that would walk
     * out of its place), or does not decode.
     */
    static String unsafePath(String uri) {
        String path = uri.replaceAll("[?#].*", "");
        for (String segment : path.split("/", -1)) {
            String d;
            try {
                d = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return "malformed percent-encoding in the path";
            }
            if (d.equals(".") || d.equals("..") || d.indexOf('/') >= 0 || d.indexOf('\\') >= 0
                    || d.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return "path not allowed: a segment is '.', '..' or holds a slash, backslash or control character";
            }
        }
        return null;
    }
}
