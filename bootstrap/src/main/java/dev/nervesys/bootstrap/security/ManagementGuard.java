package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.console.ConsoleUsers;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * The one handler in front of every path of the management server (installed by
 * {@link ManagementServerFactory}). Two jobs:
 * <ul>
 * <li>With {@code NERVESYS_CONSOLE_USERS} set, basic auth on every path. The bare health status
 * ({@code /observe/health}, {@code .../live}, {@code .../ready} without detail parameters) stays
 * open, so that a container health check or a load balancer needs no credentials; its details
 * ({@code data}, {@code exposureLevel}, {@code stackTrace}) need a user.</li>
 * <li>Always, for everyone: dev console parameters that act instead of showing (the route,
 * route-group and processor consoles' {@code action}, which stops or suspends routes; the trace
 * and receive consoles' {@code enabled}; debug's {@code command}; reload's {@code reload}; send's
 * {@code endpoint} and {@code body}) are refused with 403. A GET that changes state could be sent
 * by any web page a logged-in browser visits.</li>
 * </ul>
 * Jolokia's own policy ({@code jolokia-access.xml}) restricts what its requests may do.
 */
final class ManagementGuard implements AuthenticationHandler {

    static final String REALM = "nervesys";

    /** Dev console options that make a console act (Camel 4.17's consoles), refused to everyone. */
    static final Set<String> ACTION_PARAMETERS = Set.of("action", "command", "breakpoint", "enabled", "reload", "endpoint",
            "body", "poll");

    private static final Set<String> HEALTH_DETAIL_PARAMETERS = Set.of("data", "exposureLevel", "stackTrace");

    private final ConsoleUsers users;
    private final String healthPath;

    ManagementGuard(ConsoleUsers users, String healthPath) {
        this.users = users;
        this.healthPath = healthPath.endsWith("/") ? healthPath.substring(0, healthPath.length() - 1) : healthPath;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        if (users.enabled() && !(isBareHealth(path, ctx) || authenticated(request.getHeader("Authorization")))) {
            ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\"")
                    .putHeader("Content-Type", "text/plain").end("authentication required\n");
            return;
        }
        if (isDevConsole(path) && ctx.queryParams().names().stream().anyMatch(ACTION_PARAMETERS::contains)) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain")
                    .end("dev console actions are disabled on this agent (docs/security.md)\n");
            return;
        }
        ctx.next();
    }

    private boolean isBareHealth(String path, RoutingContext ctx) {
        boolean health = path.equals(healthPath) || path.equals(healthPath + "/live") || path.equals(healthPath + "/ready");
        return health && ctx.queryParams().names().stream().noneMatch(HEALTH_DETAIL_PARAMETERS::contains);
    }

    static boolean isDevConsole(String path) {
        return path.equals("/q/dev") || path.startsWith("/q/dev/");
    }

    private boolean authenticated(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 && users.check(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
}
