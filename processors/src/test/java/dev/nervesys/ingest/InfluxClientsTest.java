package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.influxdb.annotations.Column;
import com.influxdb.annotations.Measurement;
import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.WriteApi;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.WriteOptions;
import com.influxdb.client.domain.HealthCheck;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.events.WriteErrorEvent;
import com.influxdb.client.write.events.WriteSuccessEvent;
import com.influxdb.exceptions.BadRequestException;
import com.influxdb.exceptions.ForbiddenException;
import com.influxdb.exceptions.UnauthorizedException;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.spi.RecordKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.influxdb.BatchOptions;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBException;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.BatchPoints;
import org.influxdb.dto.Point;
import org.influxdb.dto.Pong;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real InfluxDB client libraries, used as an application would use them, against the real
 * routes/ingest.camel.yaml on a real port; every write is read back from the SQLite buffer and
 * compared record by record (docs/records.md: measurement, tags, typed fields, epoch-ns time, db/rp
 * or org/bucket).
 *
 * <p>v1: org.influxdb:influxdb-java ({@link InfluxDBFactory}); v2: com.influxdb:influxdb-client-java
 * ({@link InfluxDBClientFactory}). Versions in processors/pom.xml; findings in docs/ingest.md.
 */
class InfluxClientsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "client-test-token";

    @TempDir
    static Path dir;
    static DataPathHarness agent;
    static String url;

    @BeforeAll
    static void boot() throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir)
                .set("nervesys.ingest.port", port)
                .set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.ingest.rateLimit", 10_000_000)
                .env("NERVESYS_INGEST_TOKENS", TOKEN);
        agent = new DataPathHarness(s, "ingest.camel.yaml");
        agent.buffer().registerConsumer("test");
        url = "http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @BeforeEach
    void skipWhatEarlierTestsLeft() {
        newRows();
    }

    /** Rows committed after the test consumer's cursor; moves the cursor past them. */
    static List<BufferedRecord> newRows() {
        List<BufferedRecord> all = new ArrayList<>();
        while (true) {
            long pos = agent.buffer().position("test");
            List<BufferedRecord> rows = agent.buffer().read(pos, 100_000);
            if (rows.isEmpty()) {
                return all;
            }
            all.addAll(rows);
            agent.buffer().acknowledge("test", rows.get(rows.size() - 1).id(), null);
        }
    }

    /** The stored point as JSON; every row here must be a point. */
    static JsonNode point(BufferedRecord r) {
        assertThat(r.kind()).isEqualTo(RecordKind.POINT);
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("stored body is not JSON: " + r.bodyText(), e);
        }
    }

    /**
     * Exact comparison of a stored point with the expected JSON. Jackson's tree equality is
     * type-strict: 3.0 (a float) differs from 3 (an integer), true from "true".
     */
    static void assertPoint(BufferedRecord r, String expectedJson) throws Exception {
        assertThat(point(r)).as("stored %s", r.bodyText()).isEqualTo(JSON.readTree(expectedJson));
    }

    static String esc(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- v1: org.influxdb:influxdb-java

    static InfluxDB v1(String password) {
        return InfluxDBFactory.connect(url, "telegraf", password);
    }

    @Test
    void v1PingAndDatabaseStatements() {
        try (InfluxDB influx = v1(TOKEN)) {
            Pong pong = influx.ping();
            assertThat(pong.isGood()).isTrue();
            assertThat(pong.getVersion()).isEqualTo("1.8.10-nervesys");
            assertThat(influx.version()).isEqualTo("1.8.10-nervesys");

            // POST /query, form-encoded q=CREATE DATABASE "metrics" (and GET /query?q=...)
            influx.createDatabase("metrics");
            QueryResult r = influx.query(new Query("CREATE DATABASE other"));
            assertThat(r.hasError()).isFalse();
            assertThat(r.getResults()).hasSize(1);
            assertThat(r.getResults().get(0).getSeries()).isNull();

            // the usual "if (!databaseExists(db)) createDatabase(db)": SHOW DATABASES
            assertThat(influx.describeDatabases()).isEmpty();
            assertThat(influx.databaseExists("metrics")).isFalse();
        }
        assertThat(newRows()).as("statements store nothing").isEmpty();
    }

    @Test
    void queryAndHealthRepliesOverPlainHttp() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/query?db=x&q=show%20databases%3B")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"databases\",\"columns\":[\"name\"]}]}]}");
        r = http.send(HttpRequest.newBuilder(URI.create(url + "/query")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("q=CREATE+DATABASE+%22SHOW+DATABASES%22")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).as("only SHOW DATABASES itself gets the series").isEqualTo("{\"results\":[{\"statement_id\":0}]}");
        r = http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(JSON.readTree(r.body()).get("status").asText()).isEqualTo("pass");
        // error bodies: "error" for v1 clients, "code" + "message" for v2 clients; no stack trace
        r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/write?bucket=b")).header("Authorization", "Token nope")
                .POST(HttpRequest.BodyPublishers.ofString("m v=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree(
                "{\"error\":\"authorization failed: token not accepted\",\"code\":\"forbidden\",\"message\":\"authorization failed: token not accepted\"}"));
        assertThat(newRows()).isEmpty();
    }

    @Test
    void v1SinglePointsOfEveryTypeWithEscapesAndPrecisions() throws Exception {
        String text = "say \"hi\"\\ path C:\\tmp\\\nsecond line, a=b";
        try (InfluxDB influx = v1(TOKEN)) {
            influx.setDatabase("telegraf");
            influx.write(Point.measurement("cpu load,total")
                    .tag("host name", "web 1,eu=x")
                    .tag("dc", "fra")
                    .addField("usage", 0.5)
                    .addField("whole", 3.0)
                    .addField("count", 42L)
                    .addField("small", 7)
                    .addField("negative", -9_223_372_036_854_775_808L)
                    .addField("msg", text)
                    .addField("ok", true)
                    .addField("off", false)
                    .addField("free space,%=x", 1.5)
                    .time(1_700_000_000_123L, TimeUnit.MILLISECONDS)
                    .build());
            influx.write(Point.measurement("t").addField("v", 1.0)
                    .time(1_700_000_000_123_456L, TimeUnit.MICROSECONDS).build());
            influx.write(Point.measurement("t").addField("v", 2.0)
                    .time(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS).build());
            // a BatchPoints in second precision: the client converts the ms time (truncating)
            influx.write(BatchPoints.database("telegraf").precision(TimeUnit.SECONDS)
                    .point(Point.measurement("t").addField("v", 3.0).time(1_700_000_001_999L, TimeUnit.MILLISECONDS).build())
                    .build());
            // raw line protocol with an explicit precision and retention policy
            influx.write("telegraf", "week", InfluxDB.ConsistencyLevel.ONE, TimeUnit.MICROSECONDS,
                    "raw,k=v n=5i 1700000000000001");
            // extreme floats, as the client formats them (no exponent: "1000000000000000000000.0")
            influx.write(Point.measurement("extremes")
                    .addField("big", 1e21).addField("tiny", 1e-7).addField("max", Double.MAX_VALUE)
                    .addField("min", Double.MIN_VALUE).addField("f32", 1.1f)
                    .time(1L, TimeUnit.NANOSECONDS).build());
            // '=' in a measurement: influxdb-java escapes it (it needs no escape there)
            influx.write(Point.measurement("e=mc2").addField("v", 1L).time(2L, TimeUnit.NANOSECONDS).build());
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(7);
        assertPoint(rows.get(0), "{\"measurement\":\"cpu load,total\",\"tags\":{\"dc\":\"fra\",\"host name\":\"web 1,eu=x\"},"
                + "\"fields\":{\"count\":42,\"free space,%=x\":1.5,\"msg\":" + esc(text) + ",\"negative\":-9223372036854775808,"
                + "\"off\":false,\"ok\":true,\"small\":7,\"usage\":0.5,\"whole\":3.0},"
                + "\"time\":1700000000123000000,\"db\":\"telegraf\",\"rp\":\"autogen\"}");
        JsonNode first = point(rows.get(0));
        assertThat(first.get("fields").get("whole").isDouble()).as("a float stays a float").isTrue();
        assertThat(first.get("fields").get("count").isIntegralNumber()).as("an integer stays an integer").isTrue();
        assertThat(first.get("fields").get("msg").asText()).isEqualTo(text);

        assertPoint(rows.get(1), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":1.0},\"time\":1700000000123456000,"
                + "\"db\":\"telegraf\",\"rp\":\"autogen\"}");
        assertPoint(rows.get(2), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":2.0},\"time\":1700000000123456789,"
                + "\"db\":\"telegraf\",\"rp\":\"autogen\"}");
        // BatchPoints without a retention policy sends no rp
        assertPoint(rows.get(3), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":3.0},\"time\":1700000001000000000,"
                + "\"db\":\"telegraf\"}");
        assertPoint(rows.get(4), "{\"measurement\":\"raw\",\"tags\":{\"k\":\"v\"},\"fields\":{\"n\":5},"
                + "\"time\":1700000000000001000,\"db\":\"telegraf\",\"rp\":\"week\"}");
        JsonNode extremes = point(rows.get(5));
        assertThat(extremes.get("measurement").asText()).isEqualTo("extremes");
        assertThat(extremes.get("tags").isEmpty()).isTrue();
        assertThat(extremes.get("time").asLong()).isEqualTo(1L);
        assertThat(extremes.get("db").asText()).isEqualTo("telegraf");
        assertThat(extremes.get("rp").asText()).isEqualTo("autogen");
        JsonNode ext = extremes.get("fields");
        assertThat(ext.size()).isEqualTo(5);
        assertThat(ext.get("big").isDouble()).isTrue();
        assertThat(ext.get("big").doubleValue()).isEqualTo(1e21);
        assertThat(ext.get("tiny").doubleValue()).isEqualTo(1e-7);
        assertThat(ext.get("max").doubleValue()).isEqualTo(Double.MAX_VALUE);
        assertThat(ext.get("min").doubleValue()).isEqualTo(Double.MIN_VALUE);
        assertThat(ext.get("f32").doubleValue()).isEqualTo((double) 1.1f);
        assertThat(rows.get(5).bodyText()).contains("\"big\":1000000000000000000000.0");
        // influxdb-java sends e\=mc2; InfluxDB stores measurement e=mc2, so does the agent
        assertThat(point(rows.get(6)).get("measurement").asText()).isEqualTo("e=mc2");
    }

    @Test
    void v1BatchPointsOfThousandsInOneRequest() throws Exception {
        int n = 5_000;
        long t0 = 1_700_000_000_000L;
        BatchPoints.Builder b = BatchPoints.database("bulk").retentionPolicy("week").precision(TimeUnit.MILLISECONDS)
                .tag("fleet", "north");
        for (int i = 0; i < n; i++) {
            b.point(Point.measurement("bulk").tag("unit", "u" + (i % 10))
                    .addField("seq", (long) i).addField("value", i * 0.25)
                    .time(t0 + i, TimeUnit.MILLISECONDS).build());
        }
        try (InfluxDB influx = v1(TOKEN)) {
            influx.write(b.build());
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertPoint(rows.get(i), "{\"measurement\":\"bulk\",\"tags\":{\"fleet\":\"north\",\"unit\":\"u" + (i % 10) + "\"},"
                    + "\"fields\":{\"seq\":" + i + ",\"value\":" + (i * 0.25) + "},\"time\":" + (t0 + i) * 1_000_000L
                    + ",\"db\":\"bulk\",\"rp\":\"week\"}");
        }
    }

    @Test
    void v1BatchingModeFlushAndClose() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        int n = 2_500;
        try (InfluxDB influx = v1(TOKEN)) {
            influx.setDatabase("batched");
            influx.enableBatch(BatchOptions.DEFAULTS.actions(1_000).flushDuration(60_000)
                    .exceptionHandler((points, e) -> errors.add(e)));
            for (int i = 0; i < n; i++) {
                influx.write(Point.measurement("batched").tag("phase", "before-flush").addField("seq", (long) i)
                        .time(1_700_000_000_000_000_000L + i, TimeUnit.NANOSECONDS).build());
            }
            influx.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.buffer().pendingRows("test") >= n);
            for (int i = n; i < n + 10; i++) {
                influx.write(Point.measurement("batched").tag("phase", "at-close").addField("seq", (long) i)
                        .time(1_700_000_000_000_000_000L + i, TimeUnit.NANOSECONDS).build());
            }
        } // close() flushes the last 10
        assertThat(errors).isEmpty();
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(n + 10);
        Set<Long> seen = new HashSet<>();
        for (BufferedRecord r : rows) {
            JsonNode p = point(r);
            long seq = p.get("fields").get("seq").asLong();
            assertThat(seen.add(seq)).as("seq %d stored once", seq).isTrue();
            assertPoint(r, "{\"measurement\":\"batched\",\"tags\":{\"phase\":\"" + (seq < n ? "before-flush" : "at-close")
                    + "\"},\"fields\":{\"seq\":" + seq + "},\"time\":" + (1_700_000_000_000_000_000L + seq)
                    + ",\"db\":\"batched\",\"rp\":\"autogen\"}");
        }
    }

    @Test
    void v1GzipBodies() throws Exception {
        try (InfluxDB influx = v1(TOKEN)) {
            influx.setDatabase("zipped");
            influx.enableGzip();
            influx.write(Point.measurement("gz").addField("v", 0.125).time(5L, TimeUnit.SECONDS).build());
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(1);
        assertPoint(rows.get(0), "{\"measurement\":\"gz\",\"tags\":{},\"fields\":{\"v\":0.125},\"time\":5000000000,"
                + "\"db\":\"zipped\",\"rp\":\"autogen\"}");
    }

    @Test
    void v1WrongOrMissingPassword() {
        try (InfluxDB influx = v1("wrong-password")) {
            assertThat(influx.ping().isGood()).as("/ping needs no credentials, as in InfluxDB").isTrue();
            influx.setDatabase("telegraf");
            assertThatThrownBy(() -> influx.write(Point.measurement("m").addField("v", 1L).build()))
                    .isInstanceOf(InfluxDBException.AuthorizationFailedException.class)
                    .hasMessageContaining("token not accepted");
        }
        try (InfluxDB influx = InfluxDBFactory.connect(url)) {
            influx.setDatabase("telegraf");
            assertThatThrownBy(() -> influx.write("m v=1i"))
                    .isInstanceOf(InfluxDBException.AuthorizationFailedException.class)
                    .hasMessageContaining("authentication required");
        }
        assertThat(newRows()).as("nothing stored from refused requests").isEmpty();
    }

    @Test
    void v1BatchingModeWithAWrongPasswordReportsAtOnceAndStoresNothing() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Point> failed = new CopyOnWriteArrayList<>();
        try (InfluxDB influx = v1("wrong-password")) {
            influx.setDatabase("telegraf");
            influx.enableBatch(BatchOptions.DEFAULTS.actions(100).flushDuration(60_000).exceptionHandler((points, e) -> {
                points.forEach(failed::add);
                errors.add(e);
            }));
            for (int i = 0; i < 5; i++) {
                influx.write(Point.measurement("m").addField("seq", (long) i).build());
            }
            influx.flush();
            // not retried: the client drops what an authorization failure refused and says so
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).isInstanceOf(InfluxDBException.AuthorizationFailedException.class);
            assertThat(failed).hasSize(5);
        }
        assertThat(errors).hasSize(1);
        assertThat(newRows()).isEmpty();
    }

    @Test
    void v1PartialWriteKeepsTheValidPointsOnceEvenInBatchingMode() throws Exception {
        // a tag value with a newline: influxdb-java does not escape it, so the line splits in two:
        // "m,t=a" (no fields: rejected) and "b v=1i 1" (a valid point of measurement b), as in InfluxDB
        Point bad = Point.measurement("m").tag("t", "a\nb").addField("v", 1L).time(1L, TimeUnit.NANOSECONDS).build();
        Point good = Point.measurement("m").tag("t", "ok").addField("v", 2L).time(2L, TimeUnit.NANOSECONDS).build();
        String goodJson = "{\"measurement\":\"m\",\"tags\":{\"t\":\"ok\"},\"fields\":{\"v\":2},\"time\":2,\"db\":\"p\"";
        String splitJson = "{\"measurement\":\"b\",\"tags\":{},\"fields\":{\"v\":1},\"time\":1,\"db\":\"p\"";
        try (InfluxDB influx = v1(TOKEN)) {
            assertThatThrownBy(() -> influx.write(BatchPoints.database("p").point(good).point(bad).build()))
                    .isInstanceOf(InfluxDBException.UnableToParseException.class)
                    .hasMessageStartingWith("partial write:")
                    .hasMessageContaining("line 2: missing fields");
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(2);
        assertPoint(rows.get(0), goodJson + "}");
        assertPoint(rows.get(1), splitJson + "}");

        // batching mode retries what it thinks worth retrying: a partial write must not be (its
        // valid lines are already stored), else every flush stores them again
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (InfluxDB influx = v1(TOKEN)) {
            influx.setDatabase("p");
            influx.enableBatch(BatchOptions.DEFAULTS.actions(100).flushDuration(60_000)
                    .exceptionHandler((points, e) -> errors.add(e)));
            influx.write(good);
            influx.write(bad);
            influx.flush();
            influx.write(Point.measurement("m").tag("t", "later").addField("v", 3L).time(3L, TimeUnit.NANOSECONDS).build());
            influx.flush();
        }
        assertThat(errors).hasSize(1).first().isInstanceOf(InfluxDBException.UnableToParseException.class);
        rows = newRows();
        assertThat(rows).as("each valid point stored once").hasSize(3);
        assertPoint(rows.get(0), goodJson + ",\"rp\":\"autogen\"}");
        assertPoint(rows.get(1), splitJson + ",\"rp\":\"autogen\"}");
        assertPoint(rows.get(2), "{\"measurement\":\"m\",\"tags\":{\"t\":\"later\"},\"fields\":{\"v\":3},\"time\":3,"
                + "\"db\":\"p\",\"rp\":\"autogen\"}");
    }

    // ------------------------------------------------------- v2: com.influxdb:influxdb-client-java

    static InfluxDBClient v2(String token) {
        return InfluxDBClientFactory.create(url, token.toCharArray(), "acme", "ops");
    }

    @Test
    void v2PingVersionHealthReady() {
        try (InfluxDBClient client = v2(TOKEN)) {
            assertThat(client.ping()).isTrue();
            assertThat(client.version()).isEqualTo("1.8.10-nervesys");
            HealthCheck h = client.health(); // GET /health (deprecated in the client, still used by tools)
            assertThat(h.getStatus()).isEqualTo(HealthCheck.StatusEnum.PASS);
            assertThat(h.getName()).isEqualTo("nervesys-ingest");
            assertThat(h.getVersion()).isEqualTo("1.8.10-nervesys");
            // GET /ready (InfluxDB 2): ready, with the start time the client parses
            com.influxdb.client.domain.Ready ready = client.ready();
            assertThat(ready).isNotNull();
            assertThat(ready.getStatus()).isEqualTo(com.influxdb.client.domain.Ready.StatusEnum.READY);
            assertThat(ready.getStarted()).isBefore(java.time.OffsetDateTime.now().plusSeconds(1))
                    .isAfter(java.time.OffsetDateTime.now().minusMinutes(10));
            assertThat(ready.getUp()).matches("[0-9]+\\.[0-9]{3}s");
        }
    }

    @Test
    void v2BlockingWritePointInEveryPrecision() throws Exception {
        String text = "quote \" backslash \\ newline \n end";
        try (InfluxDBClient client = v2(TOKEN)) {
            WriteApiBlocking w = client.getWriteApiBlocking();
            w.writePoint(com.influxdb.client.write.Point.measurement("cpu load,total")
                    .addTag("host name", "web 1,eu=x")
                    .addTag("dc", "fra")
                    .addField("usage", 0.5)
                    .addField("whole", 3.0)
                    .addField("count", 42L)
                    .addField("small", 7)
                    .addField("msg", text)
                    .addField("ok", true)
                    .addField("free space,%=x", 1.5)
                    .time(1_700_000_000_123_456_789L, WritePrecision.NS));
            w.writePoint(com.influxdb.client.write.Point.measurement("t").addField("v", 1.0)
                    .time(1_700_000_000_123_456L, WritePrecision.US));
            w.writePoint(com.influxdb.client.write.Point.measurement("t").addField("v", 2.0)
                    .time(Instant.parse("2023-11-14T22:13:20.123Z"), WritePrecision.MS));
            w.writePoint(com.influxdb.client.write.Point.measurement("t").addField("v", 3.0)
                    .time(1_700_000_000L, WritePrecision.S));
            // '=' needs no escape in a measurement and this client sends none
            w.writePoint(com.influxdb.client.write.Point.measurement("e=mc2").addField("v", 1L)
                    .time(7L, WritePrecision.NS));
            // another bucket/org than the client's defaults
            w.writePoint("archive", "other-org", com.influxdb.client.write.Point.measurement("t").addField("v", 4.0)
                    .time(8L, WritePrecision.NS));
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(6);
        assertPoint(rows.get(0), "{\"measurement\":\"cpu load,total\",\"tags\":{\"dc\":\"fra\",\"host name\":\"web 1,eu=x\"},"
                + "\"fields\":{\"count\":42,\"free space,%=x\":1.5,\"msg\":" + esc(text) + ",\"ok\":true,\"small\":7,"
                + "\"usage\":0.5,\"whole\":3.0},\"time\":1700000000123456789,\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertThat(point(rows.get(0)).get("fields").get("whole").isDouble()).isTrue();
        assertThat(point(rows.get(0)).get("fields").get("small").isIntegralNumber()).isTrue();
        assertPoint(rows.get(1), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":1.0},\"time\":1700000000123456000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(2), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":2.0},\"time\":1700000000123000000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(3), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":3.0},\"time\":1700000000000000000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(4), "{\"measurement\":\"e=mc2\",\"tags\":{},\"fields\":{\"v\":1},\"time\":7,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(5), "{\"measurement\":\"t\",\"tags\":{},\"fields\":{\"v\":4.0},\"time\":8,"
                + "\"org\":\"other-org\",\"bucket\":\"archive\"}");
    }

    @Test
    void v2WriteRecordRawLineProtocolAndPointsWithoutTime() throws Exception {
        long before = System.currentTimeMillis() * 1_000_000L;
        try (InfluxDBClient client = v2(TOKEN)) {
            WriteApiBlocking w = client.getWriteApiBlocking();
            w.writeRecord(WritePrecision.S, "raw,k=v f=1.5,i=-3i,u=18446744073709551615u,s=\"x\",b=f 1700000000");
            w.writeRecords(WritePrecision.MS, List.of("raw,k=a n=1i 1700000000001", "raw,k=b n=2i 1700000000002"));
            w.writePoint(com.influxdb.client.write.Point.measurement("now").addField("v", 1L));
        }
        long after = System.currentTimeMillis() * 1_000_000L;
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(4);
        assertPoint(rows.get(0), "{\"measurement\":\"raw\",\"tags\":{\"k\":\"v\"},\"fields\":{\"f\":1.5,\"i\":-3,"
                + "\"u\":18446744073709551615,\"s\":\"x\",\"b\":false},\"time\":1700000000000000000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(1), "{\"measurement\":\"raw\",\"tags\":{\"k\":\"a\"},\"fields\":{\"n\":1},"
                + "\"time\":1700000000001000000,\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(2), "{\"measurement\":\"raw\",\"tags\":{\"k\":\"b\"},\"fields\":{\"n\":2},"
                + "\"time\":1700000000002000000,\"org\":\"acme\",\"bucket\":\"ops\"}");
        JsonNode now = point(rows.get(3));
        assertThat(now.get("time").asLong()).as("no timestamp: the time the agent received it").isBetween(before, after);
        assertThat(now.get("fields").get("v").asLong()).isEqualTo(1L);
    }

    @Measurement(name = "boiler")
    public static class Boiler {
        @Column(tag = true)
        public String site;
        @Column(name = "temp c")
        public Double temperature;
        @Column
        public Long starts;
        @Column
        public Boolean running;
        @Column
        public String state;
        @Column(timestamp = true)
        public Instant time;

        Boiler(String site, double temperature, long starts, boolean running, String state, Instant time) {
            this.site = site;
            this.temperature = temperature;
            this.starts = starts;
            this.running = running;
            this.state = state;
            this.time = time;
        }
    }

    @Test
    void v2WriteMeasurementsOfAPojo() throws Exception {
        Instant t = Instant.parse("2023-11-14T22:13:20Z");
        try (InfluxDBClient client = v2(TOKEN)) {
            client.getWriteApiBlocking().writeMeasurements(WritePrecision.US, List.of(
                    new Boiler("plant, north", 71.25, 3, true, "ok", t.plusNanos(1_000)),
                    new Boiler("plant, north", 72.0, 4, false, "say \"stop\"", t.plusNanos(2_000))));
            client.getWriteApiBlocking().writeMeasurement(WritePrecision.S, new Boiler("south", -1.0, 0, true, "", t));
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(3);
        assertPoint(rows.get(0), "{\"measurement\":\"boiler\",\"tags\":{\"site\":\"plant, north\"},\"fields\":{"
                + "\"running\":true,\"starts\":3,\"state\":\"ok\",\"temp c\":71.25},\"time\":1700000000000001000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(1), "{\"measurement\":\"boiler\",\"tags\":{\"site\":\"plant, north\"},\"fields\":{"
                + "\"running\":false,\"starts\":4,\"state\":\"say \\\"stop\\\"\",\"temp c\":72.0},\"time\":1700000000000002000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(2), "{\"measurement\":\"boiler\",\"tags\":{\"site\":\"south\"},\"fields\":{"
                + "\"running\":true,\"starts\":0,\"state\":\"\",\"temp c\":-1.0},\"time\":1700000000000000000,"
                + "\"org\":\"acme\",\"bucket\":\"ops\"}");
    }

    @Test
    void v2AsyncWriteApiBatchesFlushAndClose() throws Exception {
        int n = 2_000;
        List<WriteSuccessEvent> ok = new CopyOnWriteArrayList<>();
        List<WriteErrorEvent> failed = new CopyOnWriteArrayList<>();
        try (InfluxDBClient client = v2(TOKEN)) {
            WriteApi w = client.makeWriteApi(WriteOptions.builder().batchSize(500).flushInterval(60_000).jitterInterval(0).build());
            w.listenEvents(WriteSuccessEvent.class, ok::add);
            w.listenEvents(WriteErrorEvent.class, failed::add);
            List<com.influxdb.client.write.Point> points = new ArrayList<>();
            for (int i = 0; i < n - 10; i++) {
                points.add(com.influxdb.client.write.Point.measurement("async").addTag("unit", "u" + (i % 3))
                        .addField("seq", (long) i).addField("load", i / 8.0).time(1_700_000_000_000L + i, WritePrecision.MS));
            }
            w.writePoints(points);
            w.flush();
            for (int i = n - 10; i < n; i++) {
                w.writeRecord(WritePrecision.NS, "async,unit=late seq=" + i + "i,load=" + (i / 8.0) + " " + (1_700_000_000_000_000_000L + i));
            }
            w.close(); // writes what is left
        }
        assertThat(failed).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.buffer().pendingRows("test") >= n);
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(n);
        Set<Long> seen = new HashSet<>();
        for (BufferedRecord r : rows) {
            JsonNode p = point(r);
            long seq = p.get("fields").get("seq").asLong();
            assertThat(seen.add(seq)).as("seq %d stored once", seq).isTrue();
            String unit = seq < n - 10 ? "u" + (seq % 3) : "late";
            long time = seq < n - 10 ? (1_700_000_000_000L + seq) * 1_000_000L : 1_700_000_000_000_000_000L + seq;
            assertPoint(r, "{\"measurement\":\"async\",\"tags\":{\"unit\":\"" + unit + "\"},\"fields\":{\"load\":" + (seq / 8.0)
                    + ",\"seq\":" + seq + "},\"time\":" + time + ",\"org\":\"acme\",\"bucket\":\"ops\"}");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ok).as("batches acknowledged").isNotEmpty());
    }

    @Test
    void v2WrongTokenGivesTheClientsExceptionWithTheReason() {
        try (InfluxDBClient client = v2("wrong-token")) {
            assertThatThrownBy(() -> client.getWriteApiBlocking().writeRecord(WritePrecision.NS, "m v=1i"))
                    .isInstanceOfSatisfying(ForbiddenException.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.getMessage()).contains("token not accepted");
                    });
            List<WriteErrorEvent> failed = new CopyOnWriteArrayList<>();
            WriteApi w = client.makeWriteApi(WriteOptions.builder().batchSize(10).flushInterval(60_000).build());
            w.listenEvents(WriteErrorEvent.class, failed::add);
            w.writeRecord(WritePrecision.NS, "m v=2i");
            w.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !failed.isEmpty());
            assertThat(failed.get(0).getThrowable()).isInstanceOf(ForbiddenException.class)
                    .hasMessageContaining("token not accepted");
        }
        try (InfluxDBClient client = InfluxDBClientFactory.create(url, new char[0], "acme", "ops")) {
            assertThatThrownBy(() -> client.getWriteApiBlocking().writeRecord(WritePrecision.NS, "m v=1i"))
                    .isInstanceOf(UnauthorizedException.class)
                    .hasMessageContaining("authentication required");
        }
        assertThat(newRows()).as("nothing stored from refused requests").isEmpty();
    }

    @Test
    void v2PartialWriteShowsTheReasonAndKeepsTheValidLines() throws Exception {
        try (InfluxDBClient client = v2(TOKEN)) {
            assertThatThrownBy(() -> client.getWriteApiBlocking().writeRecords(WritePrecision.NS,
                    List.of("m v=1i 1", "m v=NaN 2", "m v=3i 3")))
                    .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage())
                            .contains("partial write").contains("line 2").doesNotContain("Exception"));
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(2);
        assertPoint(rows.get(0), "{\"measurement\":\"m\",\"tags\":{},\"fields\":{\"v\":1},\"time\":1,\"org\":\"acme\",\"bucket\":\"ops\"}");
        assertPoint(rows.get(1), "{\"measurement\":\"m\",\"tags\":{},\"fields\":{\"v\":3},\"time\":3,\"org\":\"acme\",\"bucket\":\"ops\"}");
    }
}
