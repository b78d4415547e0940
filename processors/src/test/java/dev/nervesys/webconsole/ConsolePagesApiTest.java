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
 * The API of the reports, performance and users pages through the real route on a real port and a
 * real PostgreSQL database of its own (on a fixed clock): roles, CSRF, audit, the users table
 * beside the configured users, report files and their upload state, route figures.
 */
class ConsolePagesApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PG = "jdbc:postgresql://" + System.getProperty("nervesys.test.pgHost", "127.0.0.1") + ":"
            + Integer.getInteger("nervesys.test.pgPort", 5432) + "/";
    static final Instant T0 = Instant.parse("2026-02-01T12:00:00Z");
    static final String DB = "cons_pages_api_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @TempDir
    static Path dir;
    static DefaultCamelContext context;
    static Map<String, Object> beans;
    static String base;
    static byte[] pdf = "%PDF-1.7 test".getBytes();

    record Client(String cookie, String csrf) {
    }

    @BeforeAll
    static void boot() throws Exception {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DB);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(PG + DB);
        ds.setUser("postgres");
        Migrations.apply(ds, Dialect.POSTGRES);
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO agent_status (agent_id, server, ts, status, metrics, route_stats) VALUES (?, 's', ?, 'healthy', '{}', CAST(? AS jsonb))")) {
            p.setString(1, "a1");
            p.setTimestamp(2, Timestamp.from(T0.minusSeconds(1800)));
            p.setString(3, "{\"r1\":{\"n\":100,\"f\":0,\"mean\":10,\"max\":50,\"up\":600}}");
            p.addBatch();
            p.setString(1, "a1");
            p.setTimestamp(2, Timestamp.from(T0.minusSeconds(600)));
            p.setString(3, "{\"r1\":{\"n\":1300,\"f\":12,\"mean\":20,\"max\":80,\"up\":1800}}");
            p.addBatch();
            p.setString(1, "old");
            p.setTimestamp(2, Timestamp.from(T0.minusSeconds(7200)));
            p.setString(3, "{\"r1\":{\"n\":1,\"f\":0,\"mean\":1,\"max\":1,\"up\":1}}");
            p.addBatch();
            p.executeBatch();
        }
        Path reports = dir.resolve("reports");
        Files.createDirectories(reports.resolve("Daily"));
        Files.createDirectories(reports.resolve(".pending/Daily"));
        Files.write(reports.resolve("Daily/2026-01-31_summary.pdf"), pdf);
        Files.writeString(reports.resolve("Daily/2026-01-31_agents.csv"), "agent\n");
        Files.writeString(reports.resolve(".pending/Daily/2026-01-31_agents.csv"), "");

        int port = DataPathHarness.freePort();
        TestSettings settings = new TestSettings(dir).clock(new HandClock(T0))
                .set("nervesys.postgres.url", PG + DB)
                .set("nervesys.webconsole.port", port)
                .set("nervesys.webconsole.hashCost", 4)
                .set("nervesys.reports.localDir", reports.toString())
                .env("NERVESYS_POSTGRES_USER", "postgres")
                .env("NERVESYS_WEBCONSOLE_USERS", "vera:viewer:" + PasswordHashes.hash("pw-viewer".toCharArray(), 4)
                        + ",otto:operator:" + PasswordHashes.hash("pw-operator".toCharArray(), 4)
                        + ",ada:admin:" + PasswordHashes.hash("pw-admin".toCharArray(), 4));
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

    @AfterAll
    static void stop() throws Exception {
        if (context != null) {
            context.stop();
        }
        if (beans != null) {
            DataPathHarness.closeInReverse(new ArrayList<>(beans.values()));
        }
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }

    static HttpResponse<byte[]> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String status(HttpResponse<byte[]> r) throws Exception {
        return r.statusCode() + " " + JSON.readTree(r.body()).path("error").asText("");
    }

    static HttpResponse<byte[]> login(String user, String password) throws Exception {
        return send("POST", "/api/login", JSON.createObjectNode().put("user", user).put("password", password).toString());
    }

    static Client as(String user, String password) throws Exception {
        HttpResponse<byte[]> r = login(user, password);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return new Client(r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0], JSON.readTree(r.body()).path("csrf").asText());
    }

    static HttpResponse<byte[]> get(Client c, String path) throws Exception {
        return send("GET", path, null, "Cookie", c.cookie());
    }

    static HttpResponse<byte[]> post(Client c, String path, String body) throws Exception {
        return send("POST", path, body, "Cookie", c.cookie(), "X-CSRF-Token", c.csrf());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void reportFilesWithTheirUploadStateAndDownloads() throws Exception {
        Client vera = as("vera", "pw-viewer");
        JsonNode list = json(get(vera, "/api/reports"));
        assertThat(list.path("module").asText()).isEqualTo("off");
        assertThat(list.path("total").asInt()).isEqualTo(2);
        assertThat(list.path("files").findValuesAsText("name")).containsExactlyInAnyOrder("2026-01-31_summary.pdf", "2026-01-31_agents.csv");
        for (JsonNode f : list.path("files")) {
            assertThat(f.path("upload").asText()).isEqualTo(f.path("name").asText().endsWith(".csv") ? "waiting" : "local only");
        }
        HttpResponse<byte[]> d = get(vera, "/api/reports/file?folder=Daily&name=2026-01-31_summary.pdf");
        assertThat(d.statusCode()).isEqualTo(200);
        assertThat(d.body()).isEqualTo(pdf);
        assertThat(d.headers().firstValue("Content-Type")).hasValue("application/pdf");
        assertThat(d.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"2026-01-31_summary.pdf\"");
        assertThat(status(get(vera, "/api/reports/file?folder=..&name=x"))).isEqualTo("400 give folder and name of a report file");
        assertThat(status(get(vera, "/api/reports/file?folder=Daily&name=..%2F..%2Fetc"))).startsWith("400");
        assertThat(status(get(vera, "/api/reports/file?folder=Daily&name=nope.pdf"))).isEqualTo("404 no report file Daily/nope.pdf");
        assertThat(send("GET", "/api/reports", null).statusCode()).isEqualTo(401);

        // run now: a viewer is refused (audited); without the reports module here an operator is told so
        assertThat(status(post(vera, "/api/reports/run", "{\"day\":\"2026-01-31\"}"))).isEqualTo("403 running reports needs the operator role");
        assertThat(status(send("POST", "/api/reports/run", "{\"day\":\"2026-01-31\"}", "Cookie", vera.cookie())))
                .isEqualTo("403 missing or wrong CSRF token (header X-CSRF-Token)");
        Client otto = as("otto", "pw-operator");
        assertThat(status(post(otto, "/api/reports/run", "{\"day\":\"31.1.2026\"}"))).isEqualTo("400 day must be yyyy-MM-dd");
        assertThat(status(post(otto, "/api/reports/run", "{\"day\":\"2026-02-05\"}"))).isEqualTo("400 day 2026-02-05 is in the future or too far back");
        assertThat(status(post(otto, "/api/reports/run", "{\"day\":\"2026-01-31\"}"))).startsWith("503 the reports module does not run in this process");
        String audit = new String(get(as("ada", "pw-admin"), "/api/audit?action=run%20report").body());
        assertThat(audit).contains("\"username\":\"vera\"", "\"outcome\":\"refused\"", "\"username\":\"otto\"", "\"outcome\":\"failed\"");
    }

    @Test
    void performanceFromTheBeatsRouteFigures() throws Exception {
        Client vera = as("vera", "pw-viewer");
        JsonNode p = json(get(vera, "/api/performance?period=1h"));
        assertThat(p.path("from").asText()).isEqualTo("2026-02-01T11:00:00Z");
        assertThat(p.path("agents")).hasSize(1); // "old" did not beat in the period
        JsonNode a = p.path("agents").get(0);
        assertThat(a.path("agent").asText()).isEqualTo("a1");
        assertThat(a.path("exchanges").asLong()).isEqualTo(1200);
        assertThat(a.path("failed").asLong()).isEqualTo(12);
        assertThat(a.path("perMinute").asDouble()).isEqualTo(60.0);
        assertThat(a.path("meanMs").asDouble()).isEqualTo(20.8); // (20 x 1300 - 10 x 100) / 1200
        assertThat(p.path("routes").get(0).path("failedPercent").asDouble()).isEqualTo(1.0);
        assertThat(json(get(vera, "/api/performance?period=24h")).path("agents")).hasSize(2);
        assertThat(json(get(vera, "/api/performance?period=24h&agent=old")).path("agents")).hasSize(1);
        assertThat(status(get(vera, "/api/performance?period=2y"))).isEqualTo("400 period must be one of 1h, 6h, 24h, 7d");
    }

    @Test
    void adminsManageUsersOfTheTableBesideTheConfiguredOnes() throws Exception {
        Client ada = as("ada", "pw-admin");
        Client otto = as("otto", "pw-operator");
        assertThat(status(get(otto, "/api/users"))).isEqualTo("403 managing users needs the admin role");
        assertThat(status(post(otto, "/api/users", "{\"user\":\"eve\",\"role\":\"admin\",\"password\":\"0123456789\"}")))
                .isEqualTo("403 managing users needs the admin role");
        assertThat(status(post(ada, "/api/users", "{\"user\":\"bob\",\"role\":\"viewer\",\"password\":\"short\"}")))
                .isEqualTo("400 a password is 10 to 72 bytes long");
        assertThat(status(post(ada, "/api/users", "{\"user\":\"Bob Smith\",\"role\":\"viewer\",\"password\":\"0123456789\"}")))
                .startsWith("400 a user name is");
        assertThat(status(post(ada, "/api/users", "{\"user\":\"bob\",\"role\":\"root\",\"password\":\"0123456789\"}")))
                .isEqualTo("400 role must be viewer, operator or admin, not 'root'");
        assertThat(status(post(ada, "/api/users", "{\"user\":\"otto\",\"role\":\"admin\",\"password\":\"0123456789\"}")))
                .isEqualTo("409 user otto comes from NERVESYS_WEBCONSOLE_USERS: change it there");

        HttpResponse<byte[]> added = post(ada, "/api/users", "{\"user\":\"Bob\",\"role\":\"operator\",\"password\":\"bob-password\"}");
        assertThat(added.statusCode()).isEqualTo(200);
        assertThat(json(added).path("user").asText()).isEqualTo("bob");
        assertThat(json(added).path("totpUri").isNull()).isTrue();
        assertThat(status(post(ada, "/api/users", "{\"user\":\"bob\",\"role\":\"viewer\",\"password\":\"0123456789\"}")))
                .isEqualTo("409 user bob exists already");
        Client bob = as("BOB", "bob-password");
        assertThat(json(get(bob, "/api/session")).path("role").asText()).isEqualTo("operator");
        assertThat(json(get(bob, "/api/session")).path("can").path("runReports").asBoolean()).isTrue();
        assertThat(login("bob", "wrong-password").statusCode()).isEqualTo(401);

        String listed = new String(get(ada, "/api/users").body());
        assertThat(listed).contains("\"username\":\"bob\"", "\"source\":\"database\"", "\"username\":\"ada\"", "\"source\":\"environment\"")
                .doesNotContain("$2", "password");

        // a new one-time code secret: shown once, then needed at login; the change ends bob's session
        HttpResponse<byte[]> changed = post(ada, "/api/users/bob", "{\"role\":\"viewer\",\"totp\":true}");
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(json(changed).path("totpUri").asText()).startsWith("otpauth://totp/Nervesys:bob?secret=");
        assertThat(json(changed).path("sessionsEnded").asInt()).isEqualTo(1);
        assertThat(get(bob, "/api/session").statusCode()).isEqualTo(401);
        assertThat(status(login("bob", "bob-password"))).isEqualTo("401 wrong user name, password or one-time code");
        assertThat(status(post(ada, "/api/users/bob", "{}"))).isEqualTo("400 nothing to change: give role, password or totp");
        assertThat(status(post(ada, "/api/users/nobody", "{\"role\":\"viewer\"}"))).isEqualTo("404 no user nobody in the users table");
        assertThat(status(post(ada, "/api/users/vera", "{\"role\":\"admin\"}")))
                .isEqualTo("409 user vera comes from NERVESYS_WEBCONSOLE_USERS: change it there");
        assertThat(post(ada, "/api/users/bob", "{\"password\":\"new-bob-password\",\"totp\":false}").statusCode()).isEqualTo(200);
        assertThat(json(get(as("bob", "new-bob-password"), "/api/session")).path("role").asText()).isEqualTo("viewer");

        String audit = new String(get(ada, "/api/audit?limit=100").body());
        assertThat(audit).contains("\"action\":\"add user\",\"target\":\"bob\",\"outcome\":\"ok\"",
                "\"action\":\"change user\",\"target\":\"bob\",\"outcome\":\"ok\",\"detail\":\"role viewer, new TOTP secret, TOTP required\"",
                "\"username\":\"otto\",\"action\":\"add user\"");
    }
}
