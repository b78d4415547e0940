package dev.nervesys.webconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.spi.ErrorLine;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's HTTP side, bean {@code webconsole}, called by routes/webconsole.camel.yaml for
 * every request on its port: the pages and scripts from the jar ({@code nervesys-console/}),
 * Chart.js from its WebJar, and the JSON API behind the pages (docs/console.md lists it). Every
 * API call but login needs a session; every change (POST) needs the session's CSRF token in
 * {@code X-CSRF-Token}, a same-origin {@code Origin} when the browser sends one, and the role the
 * change is for. Logins and changes, refused or not, go to the audit log.
 */
public final class ConsoleHttp {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleHttp.class);
    static final String COOKIE = "nervesys_console";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ASSET = Pattern.compile("/assets/([a-z0-9-]+\\.(?:js|css|html|svg))");
    private static final Pattern AGENT = Pattern.compile("/api/agents/([^/]+)");
    private static final Pattern ACK = Pattern.compile("/api/alerts/([^/]+)/ack");
    private static final Map<String, Duration> PERIODS = Map.of("1h", Duration.ofHours(1), "6h", Duration.ofHours(6),
            "24h", Duration.ofDays(1), "7d", Duration.ofDays(7), "30d", Duration.ofDays(30));
    /** Points per series of an agent's charts at most: the server averages beats into this many buckets. */
    static final int MAX_POINTS = 400;
    private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final ConsolePages pages;
    private final Sessions sessions;
    private final LoginGuard guard;
    private final ConsoleDatabase db;
    private final String noDatabase;
    private final boolean secureCookie;
    private final Clock clock;
    private final String chartJs;
    private final ModuleSwitches modules;
    private ConsoleRuns runs;
    private String csp = CSP;

    /** @param db the fleet's database, or null with {@code noDatabase} saying why there is none */
    public ConsoleHttp(UserDirectory users, Sessions sessions, LoginGuard guard, ConsoleDatabase db, String noDatabase,
                       boolean secureCookie, Clock clock) {
        this(users, sessions, guard, db, noDatabase, secureCookie, clock, null);
    }

    /** @param modules the config repo's module switches, or null (no Git config repo) */
    public ConsoleHttp(UserDirectory users, Sessions sessions, LoginGuard guard, ConsoleDatabase db, String noDatabase,
                       boolean secureCookie, Clock clock, ModuleSwitches modules) {
        this(sessions, guard, db, noDatabase, secureCookie, clock, modules,
                new ConsolePages(db, users, sessions, new ReportFiles(java.nio.file.Path.of("data", "reports")), clock,
                        PasswordHashes.DEFAULT_COST));
    }

    /** @param pages the reports, performance and users pages, and the login's user lookup */
    ConsoleHttp(Sessions sessions, LoginGuard guard, ConsoleDatabase db, String noDatabase, boolean secureCookie, Clock clock,
                ModuleSwitches modules, ConsolePages pages) {
        this.modules = modules;
        this.pages = pages;
        this.sessions = sessions;
        this.guard = guard;
        this.db = db;
        this.noDatabase = noDatabase;
        this.secureCookie = secureCookie;
        this.clock = clock;
        this.chartJs = chartJs();
    }

    /** Serves the runs pages' API ({@code /api/runs...}) and lets their pages reach the live WebSocket. */
    ConsoleHttp runs(ConsoleRuns r) {
        this.runs = r;
        this.csp = r.connectSource() == null ? CSP : CSP.replace("connect-src 'self'", "connect-src 'self' " + r.connectSource());
        return this;
    }

    private static String chartJs() {
        try (InputStream in = ConsoleHttp.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return "META-INF/resources/webjars/chart.js/" + p.getProperty("version", "4.5.1") + "/dist/chart.umd.min.js";
        } catch (IOException e) {
            return "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
        }
    }

    /** One request in, one answer out, on the same message. */
    public void handle(Exchange ex) {
        Message in = ex.getMessage();
        pages.context(ex.getContext());
        Reply reply;
        try {
            reply = route(Request.of(in));
        } catch (ApiError e) {
            reply = Reply.error(e.status, e.getMessage());
            if (e.retryAfter != null) {
                reply.headers.put("Retry-After", e.retryAfter);
            }
        } catch (SQLException e) {
            LOG.warn("console: database: {}", ErrorLine.of(e));
            reply = "42P01".equals(e.getSQLState())
                    ? Reply.error(503, "the fleet database has no heartbeats yet (table missing): " + ErrorLine.of(e))
                    : Reply.error(503, "the fleet database cannot be read: " + ErrorLine.of(e));
        }
        in.removeHeaders("*");
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, reply.status);
        in.setHeader(Exchange.CONTENT_TYPE, reply.contentType);
        in.setHeader("X-Content-Type-Options", "nosniff");
        in.setHeader("X-Frame-Options", "DENY");
        in.setHeader("Referrer-Policy", "same-origin");
        in.setHeader("Content-Security-Policy", csp);
        in.setHeader("Cache-Control", "no-store");
        reply.headers.forEach(in::setHeader);
        in.setBody(reply.body);
    }

    /** What the handler needs of a request. */
    record Request(String method, String path, Map<String, String> query, String cookie, String csrf, String origin,
                   String host, boolean https, byte[] body, String remote) {

        static Request of(Message in) throws ApiError {
            String uri = in.getHeader(Exchange.HTTP_URI, "/", String.class);
            URI u;
            try {
                u = URI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "malformed request URI");
            }
            Map<String, String> query = new HashMap<>();
            // netty-http leaves the query out of CamelHttpUri: it is in CamelHttpRawQuery
            String raw = u.getRawQuery() != null ? u.getRawQuery() : in.getHeader(Exchange.HTTP_RAW_QUERY, String.class);
            if (raw != null && !raw.isEmpty()) {
                for (String pair : raw.split("&")) {
                    int eq = pair.indexOf('=');
                    try {
                        query.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                                eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "malformed query string");
                    }
                }
            }
            Object remote = in.getHeader("CamelNettyRemoteAddress");
            String addr = remote instanceof InetSocketAddress a && a.getAddress() != null ? a.getAddress().getHostAddress()
                    : remote == null ? null : String.valueOf(remote);
            byte[] body = in.getBody(byte[].class);
            return new Request(in.getHeader(Exchange.HTTP_METHOD, "GET", String.class), u.getPath() == null ? "/" : u.getPath(),
                    query, cookie(in.getHeader("Cookie", String.class)), in.getHeader("X-CSRF-Token", String.class),
                    in.getHeader("Origin", String.class), in.getHeader("Host", String.class),
                    "https".equalsIgnoreCase(in.getHeader("X-Forwarded-Proto", String.class)),
                    body == null ? new byte[0] : body, addr);
        }

        private static String cookie(String header) {
            if (header == null) {
                return null;
            }
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=")) {
                    return p.substring(COOKIE.length() + 1);
                }
            }
            return null;
        }

        String param(String name) {
            String v = query.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        }
    }

    /** An answer. */
    static final class Reply {
        final int status;
        final String contentType;
        final byte[] body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Reply(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }

        static Reply json(int status, Object value) {
            try {
                return new Reply(status, "application/json", JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Reply error(int status, String message) {
            return json(status, Map.of("error", message));
        }
    }

    Reply route(Request r) throws ApiError, SQLException {
        String p = r.path();
        boolean get = r.method().equals("GET") || r.method().equals("HEAD");
        if (!p.startsWith("/api/")) {
            if (!get) {
                throw new ApiError(405, "method " + r.method() + " not allowed here");
            }
            return page(p);
        }
        if (p.equals("/api/login")) {
            requirePost(r);
            return login(r);
        }
        Sessions.Session s = sessions.find(r.cookie()).orElseThrow(() -> new ApiError(401, "not logged in"));
        if (!get) {
            requirePost(r);
            checkChange(r, s);
        }
        if (runs != null && runs.handles(p)) {
            return runs.route(r, s);
        }
        if (p.equals("/api/session") && get) {
            return Reply.json(200, sessionJson(s));
        }
        if (p.equals("/api/logout")) {
            requirePost(r); // a change like any other: POST with the CSRF token
            sessions.end(s.id());
            audit(s.user(), "logout", null, "ok", null, r);
            Reply reply = Reply.json(200, Map.of("loggedOut", true));
            reply.headers.put("Set-Cookie", cookie("", 0, r));
            return reply;
        }
        if (p.equals("/api/fleet") && get) {
            return Reply.json(200, fleet());
        }
        Matcher m = AGENT.matcher(p);
        if (m.matches() && get) {
            return Reply.json(200, agent(decode(m.group(1)), r));
        }
        if (p.equals("/api/alerts") && get) {
            return Reply.json(200, Map.of("alerts", database().alerts(r.param("agent"), r.param("level"),
                    state(r.param("state")), since(r), limit(r, 200, 2000))));
        }
        m = ACK.matcher(p);
        if (m.matches() && !get) {
            return acknowledge(s, decode(m.group(1)), r);
        }
        if (p.equals("/api/alert-rules") && get) {
            return Reply.json(200, switches().file("config/alerts.yaml"));
        }
        if (p.equals("/api/modules")) {
            return get ? Reply.json(200, switches().list()) : switchModule(s, r);
        }
        Reply own = pages.route(r, s, get); // reports, performance, users (ConsolePages)
        if (own != null) {
            return own;
        }
        if (p.equals("/api/audit") && get) {
            if (!s.role().allows(Role.ADMIN)) {
                throw new ApiError(403, "the audit log is for admins");
            }
            return Reply.json(200, Map.of("entries", database().auditLog(limit(r, 200, 5000), r.param("user"), r.param("action"))));
        }
        throw new ApiError(404, "no such API: " + r.method() + " " + p);
    }

    private static String decode(String segment) throws ApiError {
        try {
            return URLDecoder.decode(segment, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed path");
        }
    }

    private static void requirePost(Request r) throws ApiError {
        if (!r.method().equals("POST")) {
            throw new ApiError(405, "use POST for " + r.path());
        }
    }

    /** A change: same origin when the browser says where it comes from, and the session's CSRF token. */
    private void checkChange(Request r, Sessions.Session s) throws ApiError, SQLException {
        if (r.origin() != null && (r.host() == null || !sameOrigin(r.origin(), r.host()))) {
            audit(s.user(), "change", r.path(), "refused", "cross-origin request from " + r.origin(), r);
            throw new ApiError(403, "cross-origin request refused");
        }
        if (!s.csrfMatches(r.csrf())) {
            audit(s.user(), "change", r.path(), "refused", "missing or wrong CSRF token", r);
            throw new ApiError(403, "missing or wrong CSRF token (header X-CSRF-Token)");
        }
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            URI o = URI.create(origin);
            String authority = o.getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ConsoleDatabase database() throws ApiError {
        if (db == null) {
            throw new ApiError(503, noDatabase);
        }
        return db;
    }

    private void audit(String user, String action, String target, String outcome, String detail, Request r) throws SQLException, ApiError {
        database().audit(new ConsoleDatabase.AuditEntry(clock.instant(), user, action, target, outcome, detail, r.remote()));
    }

    private Reply login(Request r) throws ApiError, SQLException {
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new ApiError(400, "the body must be JSON: {\"user\": ..., \"password\": ..., \"code\": ...}");
        }
        if (body == null || !body.path("user").isTextual() || !body.path("password").isTextual()) {
            throw new ApiError(400, "the body must be JSON: {\"user\": ..., \"password\": ..., \"code\": ...}");
        }
        if (r.origin() != null && (r.host() == null || !sameOrigin(r.origin(), r.host()))) {
            throw new ApiError(403, "cross-origin request refused");
        }
        if (!pages.anyUsers()) {
            throw new ApiError(503, "no console users: set NERVESYS_WEBCONSOLE_USERS (docs/console.md)");
        }
        ConsoleDatabase database = database();
        String name = body.path("user").asText().trim();
        if (name.length() > 64) {
            throw new ApiError(400, "user name too long");
        }
        Optional<Instant> locked = guard.lockedUntil(name);
        if (locked.isPresent()) {
            audit(pages.findUser(name).map(UserDirectory.User::name).orElse("(unknown)"), "login", null, "locked", null, r);
            throw locked(locked.get());
        }
        Optional<UserDirectory.User> user = pages.findUser(name);
        boolean ok = PasswordHashes.verify(user.map(UserDirectory.User::hash).orElse(null), body.path("password").asText().toCharArray());
        String why = ok ? null : "wrong password";
        if (ok && user.get().hasTotp()) {
            String code = body.path("code").asText("");
            long step = Totp.matchingStep(user.get().totpKey(), code, clock.instant());
            if (code.isBlank()) {
                ok = false;
                why = "one-time code missing";
            } else if (step < 0 || !guard.claimTotpStep(name, step)) {
                ok = false;
                why = step < 0 ? "wrong one-time code" : "one-time code used already";
            }
        }
        if (!ok) {
            Optional<Instant> now = guard.failed(name);
            // an unknown name is not stored as typed: it may be a password typed into the wrong field
            audit(user.map(UserDirectory.User::name).orElse("(unknown)"), "login", null,
                    now.isPresent() ? "failed, now locked" : "failed", user.isPresent() ? why : "unknown user name", r);
            if (now.isPresent()) {
                throw locked(now.get());
            }
            throw new ApiError(401, "wrong user name, password or one-time code");
        }
        guard.succeeded(name);
        UserDirectory.User u = user.get();
        database.audit(new ConsoleDatabase.AuditEntry(clock.instant(), u.name(), "login", null, "ok",
                u.hasTotp() ? "password and one-time code" : "password", r.remote()));
        Sessions.Session s = sessions.create(u.name(), u.role());
        Reply reply = Reply.json(200, sessionJson(s));
        reply.headers.put("Set-Cookie", cookie(s.id(), sessions.idle().multipliedBy(12).toSeconds(), r));
        return reply;
    }

    private ApiError locked(Instant until) {
        long seconds = Math.max(1, Duration.between(clock.instant(), until).toSeconds());
        return new ApiError(429, "too many failed logins: this user name is locked until " + until.truncatedTo(ChronoUnit.SECONDS),
                String.valueOf(seconds));
    }

    private String cookie(String value, long maxAgeSeconds, Request r) {
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secureCookie || r.https() ? "; Secure" : "");
    }

    private static Map<String, Object> sessionJson(Sessions.Session s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", s.user());
        m.put("role", s.role().label());
        m.put("csrf", s.csrf());
        Map<String, Boolean> can = new LinkedHashMap<>(Map.of("acknowledge", s.role().allows(Role.OPERATOR),
                "audit", s.role().allows(Role.ADMIN), "switchModules", s.role().allows(Role.ADMIN)));
        can.putAll(ConsolePages.can(s.role()));
        m.put("can", can);
        return m;
    }

    private Map<String, Object> fleet() throws ApiError, SQLException {
        ConsoleDatabase database = database();
        Instant now = clock.instant();
        List<Map<String, Object>> agents = database.fleet(now, null);
        Map<String, Integer> byStatus = new LinkedHashMap<>();
        for (String s : List.of("healthy", "degraded", "critical")) {
            byStatus.put(s, 0);
        }
        int stale = 0;
        int onNewest = 0;
        long openAlerts = 0;
        long maxArchiveLag = 0;
        for (Map<String, Object> a : agents) {
            maxArchiveLag = Math.max(maxArchiveLag, a.get("archive_lag_seconds") instanceof Number n ? n.longValue() : 0);
            byStatus.merge(String.valueOf(a.get("status")), 1, Integer::sum);
            stale += Boolean.TRUE.equals(a.get("stale")) ? 1 : 0;
            onNewest += Boolean.TRUE.equals(a.get("on_newest")) ? 1 : 0;
            openAlerts += a.get("open_alerts") instanceof Number n ? n.longValue() : 0;
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("agents", agents.size());
        summary.put("byStatus", byStatus);
        summary.put("stale", stale);
        summary.put("onNewest", onNewest);
        summary.put("openAlerts", openAlerts);
        summary.put("maxArchiveLagSeconds", maxArchiveLag);
        summary.put("alertsToday", database.alertsSince(now.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("now", now.toString());
        out.put("newestRevision", database.newestRevision());
        out.put("summary", summary);
        out.put("agents", agents);
        return out;
    }

    private Map<String, Object> agent(String id, Request r) throws ApiError, SQLException {
        ConsoleDatabase database = database();
        Instant now = clock.instant();
        Instant to = instant(r, "to", now);
        Instant from;
        if (r.param("from") != null) {
            from = instant(r, "from", null);
        } else {
            Duration d = PERIODS.get(r.param("period") == null ? "24h" : r.param("period"));
            if (d == null) {
                throw new ApiError(400, "period must be one of 1h, 6h, 24h, 7d, 30d (or give from and to)");
            }
            from = to.minus(d);
        }
        if (!from.isBefore(to) || Duration.between(from, to).compareTo(Duration.ofDays(90)) > 0) {
            throw new ApiError(400, "from must be before to, at most 90 days apart");
        }
        List<Map<String, Object>> latest = database.fleet(now, id);
        if (latest.isEmpty()) {
            throw new ApiError(404, "no heartbeat from agent " + id);
        }
        long bucket = Math.max(1, (Duration.between(from, to).toSeconds() + MAX_POINTS - 1) / MAX_POINTS);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("agent", latest.get(0));
        out.put("from", from.toString());
        out.put("to", to.toString());
        out.put("bucketSeconds", bucket);
        out.put("series", database.history(id, from, to, bucket));
        out.put("alerts", database.alerts(id, null, "all", to.minus(Duration.ofDays(30)), 50));
        return out;
    }

    private static Instant instant(Request r, String name, Instant dflt) throws ApiError {
        String v = r.param(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new ApiError(400, name + " must be an ISO-8601 instant such as 2025-12-10T12:00:00Z");
        }
    }

    private static String state(String s) throws ApiError {
        String v = s == null ? "all" : s;
        if (!List.of("all", "open", "closed", "unacknowledged").contains(v)) {
            throw new ApiError(400, "state must be all, open, closed or unacknowledged");
        }
        return v;
    }

    private Instant since(Request r) throws ApiError {
        String days = r.param("days");
        int d;
        try {
            d = days == null ? 7 : Integer.parseInt(days);
        } catch (NumberFormatException e) {
            throw new ApiError(400, "days must be a whole number");
        }
        if (d < 1 || d > 366) {
            throw new ApiError(400, "days must be 1..366");
        }
        return clock.instant().minus(Duration.ofDays(d));
    }

    private static int limit(Request r, int dflt, int max) throws ApiError {
        String v = r.param("limit");
        try {
            int n = v == null ? dflt : Integer.parseInt(v);
            if (n < 1 || n > max) {
                throw new ApiError(400, "limit must be 1.." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiError(400, "limit must be a whole number");
        }
    }

    private Reply acknowledge(Sessions.Session s, String alertId, Request r) throws ApiError, SQLException {
        ConsoleDatabase database = database();
        if (!s.role().allows(Role.OPERATOR)) {
            audit(s.user(), "acknowledge", alertId, "refused", "role " + s.role().label(), r);
            throw new ApiError(403, "acknowledging alerts needs the operator role");
        }
        Instant now = clock.instant();
        ConsoleDatabase.Ack done = database.acknowledge(alertId, s.user(), now,
                new ConsoleDatabase.AuditEntry(now, s.user(), "acknowledge", alertId, "ok", null, r.remote()));
        if (done == ConsoleDatabase.Ack.UNKNOWN) {
            throw new ApiError(404, "no alert " + alertId);
        }
        ObjectNode out = JSON.createObjectNode().put("alert_id", alertId).put("acknowledged", true)
                .put("already", done == ConsoleDatabase.Ack.ALREADY);
        return Reply.json(200, out);
    }

    private ModuleSwitches switches() throws ApiError {
        if (modules == null) {
            throw new ApiError(503, "module switches and the rules in force need a Git config repo (nervesys.config.repo)");
        }
        return modules;
    }

    private Reply switchModule(Sessions.Session s, Request r) throws ApiError, SQLException {
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.path("module").isTextual() || !body.path("on").isBoolean()
                || !(body.path("agents").isMissingNode() || body.path("agents").isArray())) {
            throw new ApiError(400, "the body must be JSON: {\"module\": ..., \"on\": true|false, \"agents\": [...] (empty = all)}");
        }
        String module = body.path("module").asText();
        boolean on = body.path("on").asBoolean();
        List<String> agents = new java.util.ArrayList<>();
        body.path("agents").forEach(a -> agents.add(a.asText().trim()));
        agents.removeIf(String::isEmpty);
        String target = module + " " + (on ? "on" : "off") + " for " + (agents.isEmpty() ? "all agents" : String.join(", ", agents));
        if (!s.role().allows(Role.ADMIN)) {
            audit(s.user(), "switch module", target, "refused", "role " + s.role().label(), r);
            throw new ApiError(403, "switching modules needs the admin role");
        }
        ConsoleDatabase database = database();
        String commit;
        try {
            commit = switches().set(module, on, agents, s.user());
        } catch (ApiError e) {
            audit(s.user(), "switch module", target, "failed", e.getMessage(), r);
            throw e;
        }
        database.audit(new ConsoleDatabase.AuditEntry(clock.instant(), s.user(), "switch module", target,
                commit == null ? "unchanged" : "ok", commit == null ? "the repo says so already" : "commit " + commit, r.remote()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("module", module);
        out.put("on", on);
        out.put("agents", agents);
        out.put("commit", commit);
        return Reply.json(200, out);
    }

    private Reply page(String p) throws ApiError {
        if (p.equals("/") || p.equals("/index.html")) {
            return resource("nervesys-console/index.html", "text/html; charset=utf-8");
        }
        if (p.equals("/assets/chart.umd.min.js")) {
            return resource(chartJs, "text/javascript; charset=utf-8");
        }
        Reply vendor = runs == null ? null : runs.asset(p);
        if (vendor != null) {
            return vendor;
        }
        Matcher m = ASSET.matcher(p);
        if (m.matches()) {
            String name = m.group(1);
            String type = name.endsWith(".js") ? "text/javascript; charset=utf-8" : name.endsWith(".css") ? "text/css; charset=utf-8"
                    : name.endsWith(".svg") ? "image/svg+xml" : "text/html; charset=utf-8";
            return resource("nervesys-console/" + name, type);
        }
        throw new ApiError(404, "not found: " + p);
    }

    static Reply resource(String path, String type) throws ApiError {
        try (InputStream in = ConsoleHttp.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new ApiError(404, "not found");
            }
            return new Reply(200, type, in.readAllBytes());
        } catch (IOException e) {
            throw new ApiError(500, "cannot read " + path);
        }
    }
}
