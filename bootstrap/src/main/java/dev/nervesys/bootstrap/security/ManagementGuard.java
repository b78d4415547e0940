package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.console.ConsoleUsers;
import dev.nervesys.bootstrap.console.ConsoleUsers.Role;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The one handler in front of every path of the management server (installed by
 * {@link ManagementServerFactory}). Two jobs:
 * <ul>
 * <li>With {@code NERVESYS_CONSOLE_USERS} set, basic auth on every path. The bare health status
 * ({@code /observe/health}, {@code .../live}, {@code .../ready} without detail parameters) stays
 * open, so that a container health check or a load balancer needs no credentials; its details
 * ({@code data}, {@code exposureLevel}, {@code stackTrace}) need a user.</li>
 * <li>A request whose body has not arrived whole within {@code nervesys.management.bodyTimeout}
 * gets 408 and its connection is closed (slow clients).</li>
 * <li>Always, for everyone: dev console parameters that act instead of showing (the route,
 * route-group and processor consoles' {@code action}, which stops or suspends routes; the trace
 * and receive consoles' {@code enabled}; debug's {@code command}; reload's {@code reload}; send's
 * {@code endpoint} and {@code body}) are refused with 403. A GET that changes state could be sent
 * by any web page a logged-in browser visits.</li>
 * <li>Operator actions ({@link SilencesApi}: creating and expiring alert silences, POST under
 * {@value SilencesApi#PATH}) need the operator or admin role: 403 for a viewer, and for everyone on
 * an agent without users. Listing them (GET) is a viewer's right.</li>
 * </ul>
 * Jolokia's own policies ({@code jolokia-access.xml} for viewers and operators,
 * {@code jolokia-access-admin.xml} for admins) restrict what its requests may do.
 */
final class ManagementGuard implements AuthenticationHandler {

    static final String REALM = "nervesys";

    /** Dev console options that make a console act (Camel 4.17's consoles), refused to everyone. */
    static final Set<String> ACTION_PARAMETERS = Set.of("action", "command", "breakpoint", "enabled", "reload", "endpoint",
            "body", "poll");

    /** Largest header block (names, values, separators); Vert.x lets larger ones through in parts. */
    static final int MAX_HEADER_BYTES = 8192;

    /** Routing context key of the request's {@link Role}. */
    static final String ROLE = "nervesys.role";

    /** Routing context key of the authenticated user's name (absent on an agent without users). */
    static final String USER = "nervesys.user";

    /** Dev consoles that show JVM arguments or system properties: admin only. */
    static final Set<String> ADMIN_CONSOLES = Set.of("jvm", "system-properties");

    private static final Set<String> HEALTH_DETAIL_PARAMETERS = Set.of("data", "exposureLevel", "stackTrace");

    private final ConsoleUsers users;
    private final String healthPath;
    private final long bodyTimeoutMillis;

    ManagementGuard(ConsoleUsers users, String healthPath, long bodyTimeoutMillis) {
        this.users = users;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
        this.healthPath = healthPath.endsWith("/") ? healthPath.substring(0, healthPath.length() - 1) : healthPath;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        // Vert.x hands on a request whose line or headers were over its limits, with what it decoded
        int undecodable = dev.nervesys.common.HttpLimits.status(request.decoderResult());
        if (undecodable == 0 && headerBytes(request) > MAX_HEADER_BYTES) {
            undecodable = 431;
        }
        if (undecodable != 0) {
            ctx.response().setStatusCode(undecodable).putHeader("Content-Type", "text/plain").putHeader("Connection", "close")
                    .end(dev.nervesys.common.HttpLimits.reason(undecodable) + "\n");
            return;
        }
        if (bodyTimeoutMillis > 0 && !request.isEnded()) {
            // slow clients: a body that has not arrived whole in time gets 408 and the connection is closed
            long timer = ctx.vertx().setTimer(bodyTimeoutMillis, t -> {
                if (!request.isEnded() && !ctx.response().ended()) {
                    ctx.response().setStatusCode(408).putHeader("Content-Type", "text/plain").putHeader("Connection", "close")
                            .end("request body not received in time (docs/security.md)\n");
                    request.connection().close();
                }
            });
            ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
        }
        Role role = Role.VIEWER;
        String userName = null;
        if (users.enabled()) {
            String[] credentials = credentials(request.getHeader("Authorization"));
            Optional<Role> user = credentials == null ? Optional.empty() : users.authenticate(credentials[0], credentials[1]);
            if (user.isEmpty() && !isBareHealth(path, ctx)) {
                ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\"")
                        .putHeader("Content-Type", "text/plain").end("authentication required\n");
                return;
            }
            role = user.orElse(Role.VIEWER);
            userName = user.isPresent() ? credentials[0] : null;
        }
        if (SilencesApi.acts(ctx.normalizedPath(), request.method()) && !role.atLeast(Role.OPERATOR)) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain")
                    .end("creating and expiring silences needs the operator or admin role (docs/security.md)\n");
            return;
        }
        if (isDevConsole(path) && ctx.queryParams().names().stream().anyMatch(ACTION_PARAMETERS::contains)) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain")
                    .end("dev console actions are disabled on this agent (docs/security.md)\n");
            return;
        }
        if (isDevConsole(path) && !role.atLeast(Role.ADMIN) && showsJvmArguments(path)) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain")
                    .end("this console shows the JVM's arguments and system properties: admin only (docs/security.md)\n");
            return;
        }
        ctx.put(ROLE, role);
        if (userName != null) {
            ctx.put(USER, userName);
        }
        ctx.next();
    }

    private static int headerBytes(HttpServerRequest request) {
        int n = 0;
        for (java.util.Map.Entry<String, String> h : request.headers()) {
            n += h.getKey().length() + h.getValue().length() + 4;
        }
        return n;
    }

    /** {@code /q/dev} (every console), or a list of console ids naming one that shows JVM arguments. */
    static boolean showsJvmArguments(String path) {
        String decoded;
        try {
            // the console id is read from the decoded path: /q/dev/j%76m is the jvm console
            decoded = java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return true;
        }
        String ids = decoded.length() <= "/q/dev/".length() ? "" : decoded.substring("/q/dev/".length());
        if (ids.isBlank()) {
            return true;
        }
        for (String id : ids.split("[,/]")) {
            String i = id.strip();
            if (ADMIN_CONSOLES.contains(i) || i.equals("*") || i.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private boolean isBareHealth(String path, RoutingContext ctx) {
        boolean health = path.equals(healthPath) || path.equals(healthPath + "/live") || path.equals(healthPath + "/ready");
        return health && ctx.queryParams().names().stream().noneMatch(HEALTH_DETAIL_PARAMETERS::contains);
    }

    static boolean isDevConsole(String path) {
        return path.equals("/q/dev") || path.startsWith("/q/dev/");
    }

    /** User and password of a basic Authorization header, or null. */
    private static String[] credentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 ? new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)} : null;
    }
}
