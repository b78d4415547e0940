package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.spi.RecordKind;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real routes/ingest.camel.yaml on a real port, a real HTTP client, the real SQLite buffer. */
class IngestHttpTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String TOKEN = "s3cr3t-token";

    @TempDir
    static Path dir;
    static DataPathHarness agent;
    static int port;

    @BeforeAll
    static void boot() throws Exception {
        port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir)
                .set("nervesys.ingest.port", port)
                .set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.ingest.maxBodyBytes", 256 * 1024)
                .set("nervesys.ingest.rateLimit", 1_000_000)
                .env("NERVESYS_INGEST_TOKENS", TOKEN + ",other-token");
        agent = new DataPathHarness(s, "ingest.camel.yaml");
        agent.buffer().registerConsumer("test");
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    static HttpResponse<String> post(String path, String auth, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Rows committed after the test consumer's cursor; moves the cursor past them. */
    static List<BufferedRecord> newRows() {
        long pos = agent.buffer().position("test");
        List<BufferedRecord> rows = agent.buffer().read(pos, 100_000);
        if (!rows.isEmpty()) {
            agent.buffer().acknowledge("test", rows.get(rows.size() - 1).id(), null);
        }
        return rows;
    }

    @Test
    void ndjsonIsCommittedBeforeThe204() throws Exception {
        newRows();
        String t = NdjsonParserTest.TELEMETRY;
        String l = NdjsonParserTest.LOG;
        HttpResponse<String> r = post("/ingest", "Bearer " + TOKEN, utf8(t + "\n" + l + "\n"));
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("Authorization")).as("request headers are not echoed").isEmpty();
        List<BufferedRecord> rows = newRows();
        assertThat(rows).extracting(BufferedRecord::bodyText).containsExactly(t, l);
        assertThat(rows).extracting(BufferedRecord::kind).containsExactly(RecordKind.TELEMETRY, RecordKind.LOG);
    }

    @Test
    void partialWriteKeepsValidLinesAndListsRejectedOnes() throws Exception {
        newRows();
        String body = NdjsonParserTest.LOG + "\n{broken\n" + NdjsonParserTest.TELEMETRY + "\n[]\n";
        HttpResponse<String> r = post("/ingest", "Token " + TOKEN, utf8(body));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("accepted").asInt()).isEqualTo(2);
        assertThat(j.get("rejected").asInt()).isEqualTo(2);
        assertThat(j.get("lines").get(0).get("line").asInt()).isEqualTo(2);
        assertThat(j.get("lines").get(0).get("reason").asText()).startsWith("invalid JSON");
        assertThat(j.get("lines").get(1).get("line").asInt()).isEqualTo(4);
        assertThat(j.get("error").asText()).startsWith("partial write").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(newRows()).extracting(BufferedRecord::bodyText)
                .containsExactly(NdjsonParserTest.LOG, NdjsonParserTest.TELEMETRY);
    }

    @Test
    void influxV1WithBasicAuthOrQueryPasswordAndPrecision() throws Exception {
        newRows();
        String basic = "Basic " + Base64.getEncoder().encodeToString(utf8("telegraf:" + TOKEN));
        HttpResponse<String> r = post("/write?db=metrics&precision=s", basic, utf8("cpu,host=a usage=0.5 1700000000\n"));
        assertThat(r.statusCode()).isEqualTo(204);
        r = post("/write?db=metrics&u=x&p=" + TOKEN + "&rp=week", null, utf8("mem free=3i\n"));
        assertThat(r.statusCode()).isEqualTo(204);
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(2);
        JsonNode p = JSON.readTree(rows.get(0).body());
        assertThat(p.get("time").asLong()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(p.get("db").asText()).isEqualTo("metrics");
        assertThat(JSON.readTree(rows.get(1).body()).get("rp").asText()).isEqualTo("week");
        assertThat(rows.get(0).kind()).isEqualTo(RecordKind.POINT);

        r = post("/write?precision=s", basic, utf8("cpu v=1\n"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("database is required (?db=...)");
        r = post("/write?db=x&precision=fortnight", basic, utf8("cpu v=1\n"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("invalid precision 'fortnight'");
    }

    @Test
    void influxV2WithTokenHeaderAndGzip() throws Exception {
        newRows();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(utf8("disk,path=/ used=0.25 1700000000000\ndisk,path=/data used=0.75 1700000000001\n"));
        }
        HttpResponse<String> r = post("/api/v2/write?org=acme&bucket=ops&precision=ms", "Token " + TOKEN, gz.toByteArray(),
                "Content-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(204);
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(2);
        JsonNode p = JSON.readTree(rows.get(1).body());
        assertThat(p.get("tags").get("path").asText()).isEqualTo("/data");
        assertThat(p.get("bucket").asText()).isEqualTo("ops");
        assertThat(p.get("org").asText()).isEqualTo("acme");
        assertThat(p.get("time").asLong()).isEqualTo(1_700_000_000_001_000_000L);

        r = post("/api/v2/write?org=acme&bucket=ops", "Token " + TOKEN, utf8("not gzip"), "Content-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).startsWith("body is not valid gzip");
        r = post("/api/v2/write?org=acme&bucket=ops", "Token " + TOKEN, utf8("x v=1"), "Content-Encoding", "br");
        assertThat(r.statusCode()).isEqualTo(415);
    }

    @Test
    void tokensAreRequiredAndChecked() throws Exception {
        newRows();
        HttpResponse<String> r = post("/ingest", null, utf8(NdjsonParserTest.LOG));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("authentication required");
        r = post("/api/v2/write?bucket=b", "Token wrong", utf8("m v=1"));
        assertThat(r.statusCode()).isEqualTo(403);
        r = post("/write?db=d&u=x&p=wrong", null, utf8("m v=1"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(newRows()).as("nothing stored from refused requests").isEmpty();
        assertThat(post("/ingest", "Bearer other-token", utf8(NdjsonParserTest.LOG)).statusCode()).isEqualTo(204);
        assertThat(newRows()).hasSize(1);
    }

    @Test
    void bodiesBeyondTheLimitGet413EvenWhenGzipped() throws Exception {
        newRows();
        byte[] big = utf8(("m v=1\n").repeat(50_000)); // 300 KB > 256 KB
        HttpResponse<String> r = post("/write?db=d", "Token " + TOKEN, big);
        assertThat(r.statusCode()).isEqualTo(413);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(big); // about 1 KB on the wire, 300 KB once decoded
        }
        r = post("/write?db=d", "Token " + TOKEN, gz.toByteArray(), "Content-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("nervesys.ingest.maxBodyBytes");
        assertThat(newRows()).isEmpty();
    }

    @Test
    void manyRequestsOnOneKeepAliveConnectionLoseNothing() throws Exception {
        newRows();
        int requests = 300;
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < requests; i++) {
                String lp = "seq,conn=one n=" + i + "i," + "k=\"" + "v".repeat(i % 50) + "\" " + (1_700_000_000L + i) + "\n"
                        + "seq,conn=one n=" + (i + 100_000) + "i " + (1_700_000_000L + i) + "\n";
                RawHttp.Response r = c.post("/write?db=k&precision=s", Map.of("Authorization", "Token " + TOKEN), utf8(lp));
                assertThat(r.status()).as("request %d", i).isEqualTo(204);
            }
            RawHttp.Response last = c.post("/ingest", Map.of("Authorization", "Token " + TOKEN), utf8(NdjsonParserTest.LOG));
            assertThat(last.status()).isEqualTo(204);
        }
        List<BufferedRecord> rows = newRows();
        assertThat(rows).hasSize(2 * requests + 1);
        for (int i = 0; i < requests; i++) {
            assertThat(JSON.readTree(rows.get(2 * i).body()).get("fields").get("n").asLong()).isEqualTo(i);
            assertThat(JSON.readTree(rows.get(2 * i + 1).body()).get("fields").get("n").asLong()).isEqualTo(i + 100_000);
        }
    }

    @Test
    void internalEndpointForTheGenerator() throws Exception {
        newRows();
        try (ProducerTemplate t = agent.context.createProducerTemplate()) {
            Exchange ok = t.request("direct:ingest-ndjson", e -> e.getIn().setBody(NdjsonParserTest.TELEMETRY + "\n"));
            assertThat(ok.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(204);
            Exchange bad = t.request("direct:ingest-ndjson", e -> e.getIn().setBody(utf8("{}\n")));
            assertThat(bad.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(400);
        }
        assertThat(newRows()).extracting(BufferedRecord::bodyText).containsExactly(NdjsonParserTest.TELEMETRY);
    }

    @Test
    void pingAnswersLikeInfluxDb() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("X-Influxdb-Version")).isPresent();
    }
}
