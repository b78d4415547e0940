package dev.nervesys.webconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;

/**
 * The console's reports, performance and users pages behind the API (docs/console.md): calls under
 * {@code /api/reports}, {@code /api/performance} and {@code /api/users}, which {@link ConsoleHttp}
 * hands here after it has checked the session and, for a change, the CSRF token and origin. The
 * role each call needs is checked here, and every change, refused or not, is audited. Also the
 * user lookup of the login: the users of NERVESYS_WEBCONSOLE_USERS first, then those of the
 * {@code console_users} table.
 */
final class ConsolePages {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern USER = Pattern.compile("/api/users/([^/]+)");
    private static final Pattern NAME = Pattern.compile("[a-z0-9._@-]{1,64}");
    /** Passwords set on the users page: at least this long. */
    static final int MIN_PASSWORD = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConsoleDatabase db;
    private final UserDirectory config;
    private final UserStore store;
    private final Sessions sessions;
    private final ReportFiles reports;
    private final Performance performance;
    private final Clock clock;
    private final int hashCost;
    private volatile CamelContext context;

    ConsolePages(ConsoleDatabase db, UserDirectory config, Sessions sessions, ReportFiles reports, Clock clock, int hashCost) {
        this.db = db;
        this.config = config;
        this.store = db == null ? null : new UserStore(db);
        this.sessions = sessions;
        this.reports = reports;
        this.performance = db == null ? null : new Performance(db);
        this.clock = clock;
        this.hashCost = hashCost;
    }

    /** The Camel context of the requests (the reports' "run now" sends to its route). */
    void context(CamelContext c) {
        if (context == null) {
            context = c;
        }
    }

    /** The login's lookup: a user of NERVESYS_WEBCONSOLE_USERS, else of the console_users table. */
    Optional<UserDirectory.User> findUser(String name) throws SQLException {
        Optional<UserDirectory.User> u = config.find(name);
        if (u.isPresent() || store == null || !NAME.matcher(UserStore.key(name)).matches()) {
            return u;
        }
        return store.find(name);
    }

    /** False when nobody can log in: no configured user and no users table to look in. */
    boolean anyUsers() {
        return !config.isEmpty() || store != null;
    }

    /** What the pages of this class allow a role (merged into the session's {@code can}). */
    static Map<String, Boolean> can(Role role) {
        return Map.of("runReports", role.allows(Role.OPERATOR), "manageUsers", role.allows(Role.ADMIN));
    }

    /** The answer to a call under this class's paths, or null when the path is none of them. */
    ConsoleHttp.Reply route(ConsoleHttp.Request r, Sessions.Session s, boolean get) throws ApiError, SQLException {
        String p = r.path();
        if (p.equals("/api/reports") && get) {
            return ConsoleHttp.Reply.json(200, reports.list(context));
        }
        if (p.equals("/api/reports/file") && get) {
            return reports.download(r.param("folder"), r.param("name"));
        }
        if (p.equals("/api/reports/run") && !get) {
            return runReport(r, s);
        }
        if (p.equals("/api/performance") && get) {
            return ConsoleHttp.Reply.json(200, performance().answer(r.param("period"), r.param("agent"), clock.instant()));
        }
        if (p.equals("/api/users")) {
            requireAdmin(s, get ? null : "add user", r);
            return get ? ConsoleHttp.Reply.json(200, users()) : addUser(r, s);
        }
        Matcher m = USER.matcher(p);
        if (m.matches() && !get) {
            requireAdmin(s, "change user", r);
            return changeUser(java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), r, s);
        }
        return null;
    }

    private ConsoleDatabase database() throws ApiError {
        if (db == null) {
            throw new ApiError(503, "the console reads the fleet's PostgreSQL: set nervesys.postgres.url (docs/console.md)");
        }
        return db;
    }

    private Performance performance() throws ApiError {
        database();
        return performance;
    }

    private void audit(Sessions.Session s, String action, String target, String outcome, String detail, ConsoleHttp.Request r)
            throws ApiError, SQLException {
        database().audit(entry(s, action, target, outcome, detail, r));
    }

    private ConsoleDatabase.AuditEntry entry(Sessions.Session s, String action, String target, String outcome, String detail,
                                             ConsoleHttp.Request r) {
        return new ConsoleDatabase.AuditEntry(clock.instant(), s.user(), action, target, outcome, detail, r.remote());
    }

    private static JsonNode body(ConsoleHttp.Request r, String shape) throws ApiError {
        try {
            JsonNode b = JSON.readTree(r.body());
            if (b != null && b.isObject()) {
                return b;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new ApiError(400, "the body must be JSON: " + shape);
    }

    // ---- reports --------------------------------------------------------------------------------

    private ConsoleHttp.Reply runReport(ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        JsonNode b = body(r, "{\"day\": \"yyyy-MM-dd\"}");
        String day = b.path("day").asText("");
        if (!s.role().allows(Role.OPERATOR)) {
            audit(s, "run report", day, "refused", "role " + s.role().label(), r);
            throw new ApiError(403, "running reports needs the operator role");
        }
        database();
        List<String> files;
        try {
            files = reports.run(context, day, clock);
        } catch (ApiError e) {
            audit(s, "run report", day, "failed", e.getMessage(), r);
            throw e;
        }
        audit(s, "run report", day, "ok", String.join(", ", files), r);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("day", day);
        out.put("files", files);
        return ConsoleHttp.Reply.json(200, out);
    }

    // ---- users ----------------------------------------------------------------------------------

    private void requireAdmin(Sessions.Session s, String action, ConsoleHttp.Request r) throws ApiError, SQLException {
        if (!s.role().allows(Role.ADMIN)) {
            if (action != null) {
                audit(s, action, r.path(), "refused", "role " + s.role().label(), r);
            }
            throw new ApiError(403, "managing users needs the admin role");
        }
    }

    private Map<String, Object> users() throws ApiError, SQLException {
        database();
        List<Map<String, Object>> all = new ArrayList<>();
        for (UserDirectory.User u : config.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("username", u.name());
            m.put("role", u.role().label());
            m.put("totp", u.hasTotp());
            m.put("source", "environment");
            all.add(m);
        }
        for (Map<String, Object> row : store.list()) {
            Map<String, Object> m = new LinkedHashMap<>(row);
            m.put("source", "database");
            m.put("shadowed", config.find(String.valueOf(row.get("username"))).isPresent());
            all.add(m);
        }
        return Map.of("users", all, "minPassword", MIN_PASSWORD);
    }

    private ConsoleHttp.Reply addUser(ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        JsonNode b = body(r, "{\"user\", \"role\", \"password\", \"totp\": true|false}");
        String name = UserStore.key(b.path("user").asText(""));
        checkName(name);
        Role role = role(b.path("role").asText(""));
        char[] password = password(b.path("password"));
        if (password == null) {
            throw new ApiError(400, "a new user needs a password of at least " + MIN_PASSWORD + " characters");
        }
        if (config.find(name).isPresent()) {
            audit(s, "add user", name, "refused", "the name is a user of NERVESYS_WEBCONSOLE_USERS", r);
            throw new ApiError(409, "user " + name + " comes from NERVESYS_WEBCONSOLE_USERS: change it there");
        }
        String secret = b.path("totp").asBoolean(false) ? newSecret() : null;
        Instant now = clock.instant();
        boolean added = database() != null && store.add(name, role, PasswordHashes.hash(password, hashCost), secret, now, s.user(),
                entry(s, "add user", name, "ok", "role " + role.label() + (secret != null ? ", TOTP required" : ""), r));
        if (!added) {
            audit(s, "add user", name, "refused", "the name is taken", r);
            throw new ApiError(409, "user " + name + " exists already");
        }
        return ConsoleHttp.Reply.json(200, userAnswer(name, role, secret));
    }

    private ConsoleHttp.Reply changeUser(String raw, ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        JsonNode b = body(r, "{\"role\"?, \"password\"?, \"totp\"?: true|false}");
        String name = UserStore.key(raw);
        checkName(name);
        if (config.find(name).isPresent()) {
            audit(s, "change user", name, "refused", "a user of NERVESYS_WEBCONSOLE_USERS", r);
            throw new ApiError(409, "user " + name + " comes from NERVESYS_WEBCONSOLE_USERS: change it there");
        }
        Role role = b.hasNonNull("role") ? role(b.path("role").asText()) : null;
        char[] password = password(b.path("password"));
        String totp = null;
        if (b.hasNonNull("totp")) {
            if (!b.path("totp").isBoolean()) {
                throw new ApiError(400, "totp must be true (a new secret) or false (none)");
            }
            totp = b.path("totp").asBoolean() ? newSecret() : "";
        }
        if (role == null && password == null && totp == null) {
            throw new ApiError(400, "nothing to change: give role, password or totp");
        }
        List<String> what = new ArrayList<>();
        if (role != null) {
            what.add("role " + role.label());
        }
        if (password != null) {
            what.add("password reset");
        }
        if (totp != null) {
            what.add(totp.isEmpty() ? "TOTP removed" : "new TOTP secret, TOTP required");
        }
        boolean done = store.update(name, role, password == null ? null : PasswordHashes.hash(password, hashCost), totp,
                clock.instant(), s.user(), entry(s, "change user", name, "ok", String.join(", ", what), r));
        if (!done) {
            throw new ApiError(404, "no user " + name + " in the users table");
        }
        int ended = sessions.endAll(name); // the user logs in again under the new rules
        Map<String, Object> out = userAnswer(name, role, totp == null || totp.isEmpty() ? null : totp);
        out.put("changed", what);
        out.put("sessionsEnded", ended);
        return ConsoleHttp.Reply.json(200, out);
    }

    private static Map<String, Object> userAnswer(String name, Role role, String secret) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user", name);
        out.put("role", role == null ? null : role.label());
        // shown once, for the user's authenticator app; never again (the list says only whether there is one)
        out.put("totpUri", secret == null ? null : "otpauth://totp/Nervesys:" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                + "?secret=" + secret + "&issuer=Nervesys");
        return out;
    }

    private static void checkName(String name) throws ApiError {
        if (!NAME.matcher(name).matches()) {
            throw new ApiError(400, "a user name is 1-64 lower-case letters, digits, '.', '_', '@' or '-'");
        }
    }

    private static Role role(String text) throws ApiError {
        try {
            return Role.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
    }

    /** The password of the body, null when none is given; too short or too long is refused. */
    private static char[] password(JsonNode p) throws ApiError {
        if (p.isMissingNode() || p.isNull() || (p.isTextual() && p.asText().isEmpty())) {
            return null;
        }
        String text = p.asText("");
        if (!p.isTextual() || text.length() < MIN_PASSWORD || text.getBytes(StandardCharsets.UTF_8).length > 72) {
            throw new ApiError(400, "a password is " + MIN_PASSWORD + " to 72 bytes long");
        }
        return text.toCharArray();
    }

    private static String newSecret() {
        byte[] key = new byte[20];
        RANDOM.nextBytes(key);
        return Totp.toBase32(key);
    }
}
