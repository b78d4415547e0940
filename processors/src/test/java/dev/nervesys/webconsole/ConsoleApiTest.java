package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.spi.Dialect;
import dev.nervesys.testing.HandClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The console's JSON API through the real route (routes/webconsole.camel.yaml on a real port)
 * against a real PostgreSQL database of its own, seeded with heartbeats and alerts: sessions and
 * cookies, roles, CSRF, lock-out on a hand-moved clock, TOTP, the audit log, and bad requests.
 */
class ConsoleApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PG = "jdbc:postgresql://" + System.getProperty("nervesys.test.pgHost", "127.0.0.1") + ":"
            + Integer.getInteger("nervesys.test.pgPort", 5432) + "/";
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
    static final String TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    @TempDir
    static Path dir;
    static final String DB = "cons_api_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static HandClock clock = new HandClock(T0);
    static DefaultCamelContext context;
    static Map<String, Object> beans;
    static String base;

    static Connection admin() throws Exception {
        return DriverManager.getConnection(PG + "postgres", "postgres", "");
    }

    @BeforeAll
    static void boot() throws Exception {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DB);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(PG + DB);
        ds.setUser("postgres");
        Migrations.apply(ds, Dialect.POSTGRES); // agent_status and alert_history, as the heartbeat makes them
        seed(ds);

        String hash = PasswordHashes.hash("pw-viewer".toCharArray(), 4);
        int port = DataPathHarness.freePort();
        TestSettings settings = new TestSettings(dir).clock(clock)
                .set("nervesys.postgres.url", PG + DB)
                .set("nervesys.webconsole.port", port)
                .set("nervesys.webconsole.lockoutFailures", 3)
                .env("NERVESYS_POSTGRES_USER", "postgres")
                .env("NERVESYS_WEBCONSOLE_USERS", "vera:viewer:" + hash
                        + ",otto:operator:" + PasswordHashes.hash("pw-operator".toCharArray(), 4)
                        + ",ada:admin:" + PasswordHashes.hash("pw-admin".toCharArray(), 4)
                        + ",tom:operator:" + PasswordHashes.hash("pw-totp".toCharArray(), 4) + ":" + TOTP_SECRET);
        beans = new ConsoleBeans().beans(settings);
        context = new DefaultCamelContext();
        beans.forEach(context.getRegistry()::bind);
        Properties p = new Properties();
        p.putAll(settings.properties());
        context.getPropertiesComponent().setInitialProperties(TestSettings.routeProperties(p));
        List<Resource> routes = new ArrayList<>();
        for (String f : List.of("errors.camel.yaml", "webconsole.camel.yaml")) {
            Path file = DataPathHarness.routesDir().resolve(f);
            routes.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(routes);
        context.start();
        base = "http://127.0.0.1:" + port;
    }

    /** a1 healthy on the newest revision with two hours of beats, a2 degraded and behind, a3 silent for an hour. */
    static void seed(PGSimpleDataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, buffer_rows, interval_seconds)"
                        + " VALUES (?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb), ?, ?, 60)")) {
            for (int m = 120; m >= 0; m--) {
                beat(p, "a1", T0.minusSeconds(m * 60L + 20), "healthy", 10 + (m % 10), "[{\"rule\":\"r\"}]", "rev-new");
            }
            beat(p, "a2", T0.minusSeconds(3600), "healthy", 5, "[]", "rev-old");
            beat(p, "a2", T0.minusSeconds(40), "degraded", 50, "[]", "rev-old");
            beat(p, "a3", T0.minusSeconds(3600), "healthy", 1, "[]", "rev-new");
            p.executeBatch();
        }
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO alert_history (alert_id, agent_id, server, fingerprint, rule, label, level, message, first_seen, last_seen,"
                        + " count, status, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            alert(p, "al-1", "a1", "ERROR", "disk almost full", T0.minusSeconds(600), null);
            alert(p, "al-2", "a2", "CRITICAL", "engine overheat", T0.minus(Duration.ofDays(2)), T0.minus(Duration.ofDays(1)));
            alert(p, "al-3", "a2", "ERROR", "second one", T0.minusSeconds(300), null);
            p.executeBatch();
        }
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            // al-1 raised in a storm: 499 more lines of its group folded into it by the classifier's queue
            st.execute("UPDATE alert_history SET folded = 499 WHERE alert_id = 'al-1'");
        }
    }

    static void beat(PreparedStatement p, String agent, Instant ts, String status, double cpu, String alerts, String rev) throws Exception {
        p.setString(1, agent);
        p.setString(2, "srv-" + agent);
        p.setTimestamp(3, Timestamp.from(ts));
        p.setString(4, status);
        p.setString(5, "{\"cpu_percent\":" + cpu + ",\"ram_percent\":40.5,\"disk_percent\":70,\"buffer_percent\":2.5}");
        p.setString(6, alerts);
        p.setString(7, rev);
        p.setLong(8, 100);
        p.addBatch();
    }

    static void alert(PreparedStatement p, String id, String agent, String level, String msg, Instant first, Instant closed) throws Exception {
        p.setString(1, id);
        p.setString(2, agent);
        p.setString(3, "srv-" + agent);
        p.setString(4, "fp-" + id);
        p.setString(5, "rule-" + id);
        p.setString(6, msg);
        p.setString(7, level);
        p.setString(8, msg);
        p.setTimestamp(9, Timestamp.from(first));
        p.setTimestamp(10, Timestamp.from(closed == null ? first : closed));
        p.setLong(11, 1);
        p.setString(12, "sent");
        p.setTimestamp(13, closed == null ? null : Timestamp.from(closed));
        p.addBatch();
    }

    @AfterAll
    static void stop() throws Exception {
        if (context != null) {
            context.stop();
        }
        if (beans != null) {
            DataPathHarness.closeInReverse(new ArrayList<>(beans.values()));
        }
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }

    /** A logged-in client: its cookie and CSRF token. */
    record Client(String cookie, String csrf, JsonNode session) {
    }

    static HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> login(String user, String password, String code, String... headers) throws Exception {
        return send("POST", "/api/login", JSON.createObjectNode().put("user", user).put("password", password)
                .put("code", code == null ? "" : code).toString(), headers);
    }

    static Client as(String user, String password) throws Exception {
        HttpResponse<String> r = login(user, password, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        JsonNode s = JSON.readTree(r.body());
        return new Client(cookie, s.path("csrf").asText(), s);
    }

    static HttpResponse<String> get(Client c, String path) throws Exception {
        return send("GET", path, null, "Cookie", c.cookie());
    }

    static HttpResponse<String> post(Client c, String path, String... headers) throws Exception {
        List<String> h = new ArrayList<>(List.of("Cookie", c.cookie()));
        h.addAll(List.of(headers));
        return send("POST", path, "{}", h.toArray(String[]::new));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void loginGivesAStrictHttpOnlyCookieAndTheApiNeedsIt() throws Exception {
        assertThat(send("GET", "/api/fleet", null).statusCode()).isEqualTo(401);
        assertThat(json(send("GET", "/api/fleet", null)).path("error").asText()).isEqualTo("not logged in");
        HttpResponse<String> wrong = login("vera", "nope", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).path("error").asText()).isEqualTo("wrong user name, password or one-time code");
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();

        HttpResponse<String> ok = login("Vera", "pw-viewer", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith(ConsoleHttp.COOKIE + "=").contains("; HttpOnly", "; SameSite=Strict", "; Path=/")
                .doesNotContain("Secure");
        assertThat(json(ok).path("role").asText()).isEqualTo("viewer");
        assertThat(json(ok).path("can").path("acknowledge").asBoolean()).isFalse();
        assertThat(login("vera", "pw-viewer", null, "X-Forwarded-Proto", "https").headers().firstValue("Set-Cookie").orElseThrow())
                .contains("; Secure");

        Client vera = new Client(cookie.split(";")[0], json(ok).path("csrf").asText(), json(ok));
        JsonNode session = json(get(vera, "/api/session"));
        assertThat(session.path("user").asText()).isEqualTo("vera");
        assertThat(get(vera, "/api/fleet").statusCode()).isEqualTo(200);
        assertThat(get(vera, "/api/logout").statusCode()).isEqualTo(405);
        assertThat(post(vera, "/api/logout").statusCode()).isEqualTo(403); // no CSRF token
        assertThat(get(vera, "/api/fleet").statusCode()).isEqualTo(200);
        assertThat(post(vera, "/api/logout", "X-CSRF-Token", vera.csrf()).statusCode()).isEqualTo(200);
        assertThat(get(vera, "/api/fleet").statusCode()).isEqualTo(401);
    }

    @Test
    void fleetShowsEveryAgentWithAgeStaleAndRevisionFlagsAndASummary() throws Exception {
        JsonNode fleet = json(get(as("vera", "pw-viewer"), "/api/fleet"));
        assertThat(fleet.path("now").asText()).isEqualTo(T0.toString());
        assertThat(fleet.path("newestRevision").asText()).isEqualTo("rev-new");
        JsonNode agents = fleet.path("agents");
        assertThat(agents).hasSize(3);
        JsonNode a1 = agents.get(0);
        JsonNode a2 = agents.get(1);
        JsonNode a3 = agents.get(2);
        assertThat(a1.path("agent_id").asText()).isEqualTo("a1");
        assertThat(a1.path("age_seconds").asDouble()).isEqualTo(20.0);
        assertThat(a1.path("stale").asBoolean()).isFalse();
        assertThat(a1.path("on_newest").asBoolean()).isTrue();
        assertThat(a1.path("open_alerts").asInt()).isEqualTo(1);
        assertThat(a1.path("buffer_percent").asDouble()).isEqualTo(2.5);
        assertThat(a1.path("cpu_percent").asDouble()).isEqualTo(10.0);
        assertThat(a2.path("status").asText()).isEqualTo("degraded");
        assertThat(a2.path("on_newest").asBoolean()).isFalse();
        assertThat(a3.path("stale").asBoolean()).isTrue();
        assertThat(a3.path("age_seconds").asDouble()).isEqualTo(3600.0);
        JsonNode s = fleet.path("summary");
        assertThat(s.path("agents").asInt()).isEqualTo(3);
        assertThat(s.path("byStatus").path("healthy").asInt()).isEqualTo(2);
        assertThat(s.path("byStatus").path("degraded").asInt()).isEqualTo(1);
        assertThat(s.path("byStatus").path("critical").asInt()).isZero();
        assertThat(s.path("stale").asInt()).isEqualTo(1);
        assertThat(s.path("onNewest").asInt()).isEqualTo(2);
        assertThat(s.path("alertsToday").asInt()).isEqualTo(2); // al-1 and al-3; al-2 is two days old
        assertThat(s.path("openAlerts").asInt()).isEqualTo(1);
        assertThat(s.path("maxArchiveLagSeconds").asInt()).isZero();
    }

    @Test
    void agentPageDataIsBucketedOverThePeriod() throws Exception {
        Client vera = as("vera", "pw-viewer");
        JsonNode a1 = json(get(vera, "/api/agents/a1?period=1h"));
        assertThat(a1.path("agent").path("agent_id").asText()).isEqualTo("a1");
        assertThat(a1.path("bucketSeconds").asLong()).isEqualTo(9); // 3600 s / 400 points
        JsonNode series = a1.path("series");
        assertThat(series).hasSize(60); // one beat a minute over the hour
        assertThat(series.get(0).path("ram_percent").asDouble()).isEqualTo(40.5);
        assertThat(a1.path("alerts")).hasSize(1);
        JsonNode day = json(get(vera, "/api/agents/a1?period=24h"));
        assertThat(day.path("bucketSeconds").asLong()).isEqualTo(216);
        double beats = 0;
        for (JsonNode b : day.path("series")) {
            beats += b.path("beats").asDouble();
        }
        assertThat(beats).isEqualTo(121);
        assertThat(get(vera, "/api/agents/nobody").statusCode()).isEqualTo(404);
        assertThat(json(get(vera, "/api/agents/a1?period=2y")).path("error").asText()).contains("period must be one of");
        assertThat(get(vera, "/api/agents/a1?from=yesterday").statusCode()).isEqualTo(400);
        assertThat(get(vera, "/api/agents/a1?from=2026-01-05T10:00:00Z&to=2026-01-05T09:00:00Z").statusCode()).isEqualTo(400);
    }

    @Test
    void rolesAndCsrfGuardEveryChangeAndTheAuditLogRecordsThem() throws Exception {
        Client vera = as("vera", "pw-viewer");
        Client otto = as("otto", "pw-operator");
        Client ada = as("ada", "pw-admin");
        // a viewer is refused, even with a valid CSRF token
        HttpResponse<String> refused = post(vera, "/api/alerts/al-1/ack", "X-CSRF-Token", vera.csrf());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).path("error").asText()).isEqualTo("acknowledging alerts needs the operator role");
        // an operator without the token, with another session's token, or from another origin is refused
        assertThat(post(otto, "/api/alerts/al-1/ack").statusCode()).isEqualTo(403);
        assertThat(post(otto, "/api/alerts/al-1/ack", "X-CSRF-Token", vera.csrf()).statusCode()).isEqualTo(403);
        assertThat(post(otto, "/api/alerts/al-1/ack", "X-CSRF-Token", otto.csrf(), "Origin", "http://evil.example").statusCode())
                .isEqualTo(403);
        assertThat(json(get(otto, "/api/alerts?state=unacknowledged")).path("alerts")).hasSize(3);
        // the operator acknowledges
        HttpResponse<String> ack = post(otto, "/api/alerts/al-1/ack", "X-CSRF-Token", otto.csrf(), "Origin", base);
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
        assertThat(json(ack).path("already").asBoolean()).isFalse();
        assertThat(json(post(otto, "/api/alerts/al-1/ack", "X-CSRF-Token", otto.csrf())).path("already").asBoolean()).isTrue();
        assertThat(post(otto, "/api/alerts/al-9/ack", "X-CSRF-Token", otto.csrf()).statusCode()).isEqualTo(404);
        JsonNode alerts = json(get(vera, "/api/alerts?state=all"));
        JsonNode al1 = null;
        for (JsonNode a : alerts.path("alerts")) {
            if (a.path("alert_id").asText().equals("al-1")) {
                al1 = a;
            }
        }
        assertThat(al1).isNotNull();
        assertThat(al1.path("acked_by").asText()).isEqualTo("otto");
        assertThat(al1.path("acked_at").asText()).isEqualTo(T0.toString());
        assertThat(al1.path("count").asLong()).isEqualTo(1);
        assertThat(al1.path("folded").asLong()).isEqualTo(499);
        assertThat(al1.path("lines").asLong()).as("the lines the row stands for").isEqualTo(500);
        assertThat(json(get(vera, "/api/alerts?state=open")).path("alerts")).hasSize(2);
        assertThat(json(get(vera, "/api/alerts?state=closed&days=7")).path("alerts")).hasSize(1);
        assertThat(json(get(vera, "/api/alerts?agent=a2&level=error")).path("alerts")).hasSize(1);
        assertThat(get(vera, "/api/alerts?state=maybe").statusCode()).isEqualTo(400);

        // the audit log: admins only
        assertThat(get(vera, "/api/audit").statusCode()).isEqualTo(403);
        assertThat(get(otto, "/api/audit").statusCode()).isEqualTo(403);
        JsonNode audit = json(get(ada, "/api/audit?limit=500")).path("entries");
        List<String> lines = new ArrayList<>();
        for (JsonNode e : audit) {
            lines.add(e.path("username").asText() + " " + e.path("action").asText() + " " + e.path("target").asText("")
                    + " " + e.path("outcome").asText());
        }
        assertThat(lines).contains("otto acknowledge al-1 ok", "otto acknowledge al-1 already acknowledged",
                "vera acknowledge al-1 refused", "otto change /api/alerts/al-1/ack refused", "otto login  ok", "ada login  ok");
        assertThat(audit.get(0).path("remote").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void repeatedFailuresLockTheNameOnTheClock() throws Exception {
        Client ada = as("ada", "pw-admin");
        assertThat(login("otto", "bad-1", null).statusCode()).isEqualTo(401);
        assertThat(login("otto", "bad-2", null).statusCode()).isEqualTo(401);
        HttpResponse<String> third = login("otto", "bad-3", null);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).contains("900");
        assertThat(json(third).path("error").asText()).isEqualTo("too many failed logins: this user name is locked until 2026-01-05T10:15:00Z");
        // locked: even the right password is refused, and other names are not affected
        assertThat(login("otto", "pw-operator", null).statusCode()).isEqualTo(429);
        assertThat(login("vera", "pw-viewer", null).statusCode()).isEqualTo(200);
        // unknown names lock the same way (the answer does not tell which names exist)
        for (int i = 0; i < 2; i++) {
            assertThat(login("mallory", "x", null).statusCode()).isEqualTo(401);
        }
        assertThat(login("mallory", "x", null).statusCode()).isEqualTo(429);
        clock.advance(Duration.ofMinutes(15));
        try {
            assertThat(login("otto", "pw-operator", null).statusCode()).isEqualTo(200);
        } finally {
            clock.set(T0);
        }
        JsonNode audit = json(get(ada, "/api/audit?action=login&limit=100")).path("entries");
        List<String> lines = new ArrayList<>();
        for (JsonNode e : audit) {
            lines.add(e.path("username").asText() + " " + e.path("outcome").asText() + " " + e.path("detail").asText(""));
        }
        assertThat(lines).contains("otto failed wrong password", "otto failed, now locked wrong password",
                "otto locked ", "(unknown) failed unknown user name");
        assertThat(lines).noneMatch(l -> l.contains("mallory")); // unknown names are not stored as typed
    }

    @Test
    void totpIsTheSecondFactorAndEachCodeWorksOnce() throws Exception {
        byte[] key = Totp.base32(TOTP_SECRET);
        String code = Totp.code(key, Totp.step(T0), 6, "HmacSHA1");
        assertThat(login("tom", "pw-totp", null).statusCode()).isEqualTo(401);
        assertThat(login("tom", "pw-totp", "000000".equals(code) ? "111111" : "000000").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = login("tom", "pw-totp", code);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok).path("role").asText()).isEqualTo("operator");
        assertThat(login("tom", "pw-totp", code).statusCode()).isEqualTo(401); // replayed
        assertThat(login("tom", "pw-wrong", Totp.code(key, Totp.step(T0) + 1, 6, "HmacSHA1")).statusCode()).isEqualTo(401);
    }

    @Test
    void badRequestsGetAClearStatusAndMessage() throws Exception {
        HttpResponse<String> notJson = send("POST", "/api/login", "user=x&password=y", "Content-Type", "application/x-www-form-urlencoded");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").asText()).startsWith("the body must be JSON");
        assertThat(send("POST", "/api/login", "{\"user\":1}").statusCode()).isEqualTo(400);
        assertThat(send("GET", "/api/login", null).statusCode()).isEqualTo(405);
        assertThat(send("POST", "/", "{}").statusCode()).isEqualTo(405);
        Client vera = as("vera", "pw-viewer");
        assertThat(json(get(vera, "/api/nothing")).path("error").asText()).isEqualTo("no such API: GET /api/nothing");
        assertThat(get(vera, "/api/alerts?limit=abc").statusCode()).isEqualTo(400);
        // module switches: admins only, and only with a Git config repo (none here)
        assertThat(json(get(vera, "/api/modules")).path("error").asText()).isEqualTo("module switches and the rules in force need a Git config repo (nervesys.config.repo)");
        assertThat(get(vera, "/api/alert-rules").statusCode()).isEqualTo(503);
        assertThat(post(vera, "/api/modules", "X-CSRF-Token", vera.csrf()).statusCode()).isEqualTo(400);
        HttpResponse<String> notAdmin = send("POST", "/api/modules", "{\"module\":\"demo\",\"on\":true}", "Cookie", vera.cookie(),
                "X-CSRF-Token", vera.csrf());
        assertThat(notAdmin.statusCode()).isEqualTo(403);
        Client ada = as("ada", "pw-admin");
        assertThat(send("POST", "/api/modules", "{\"module\":\"demo\",\"on\":true}", "Cookie", ada.cookie(), "X-CSRF-Token", ada.csrf())
                .statusCode()).isEqualTo(503);
        assertThat(send("GET", "/assets/..%2fconsole.js", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/assets/missing.js", null).statusCode()).isEqualTo(404);
        HttpResponse<String> big = send("POST", "/api/login", "{\"user\":\"" + "x".repeat(70_000) + "\",\"password\":\"p\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(login("x".repeat(65), "p", null).statusCode()).isEqualTo(400);
    }

    @Test
    void pagesAndChartJsComeFromTheJarWithAStrictPolicy() throws Exception {
        HttpResponse<String> index = send("GET", "/", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'", "frame-ancestors 'none'");
        assertThat(index.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(index.body()).contains("/assets/console.js", "/assets/chart.umd.min.js").doesNotContain("http://", "https://");
        HttpResponse<String> chart = send("GET", "/assets/chart.umd.min.js", null);
        assertThat(chart.statusCode()).isEqualTo(200);
        assertThat(chart.body()).contains("Chart.js");
        assertThat(send("GET", "/assets/console.js", null).headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
    }

    @Test
    void withoutPostgresTheConsoleSaysWhatIsMissing() throws Exception {
        ConsoleHttp http = new ConsoleHttp(UserDirectory.parse("vera:viewer:" + PasswordHashes.hash("pw".toCharArray(), 4)),
                new Sessions(Duration.ofHours(1), clock), new LoginGuard(3, Duration.ofMinutes(1), clock), null,
                "the console reads the fleet's PostgreSQL: set nervesys.postgres.url (docs/console.md)", false, clock);
        ConsoleHttp.Request login = new ConsoleHttp.Request("POST", "/api/login", Map.of(), null, null, null, null, false,
                "{\"user\":\"vera\",\"password\":\"pw\"}".getBytes(), "127.0.0.1");
        try {
            http.route(login);
            throw new AssertionError("expected a refusal");
        } catch (ApiError e) {
            assertThat(e.status).isEqualTo(503);
            assertThat(e.getMessage()).contains("set nervesys.postgres.url");
        }
    }
}
