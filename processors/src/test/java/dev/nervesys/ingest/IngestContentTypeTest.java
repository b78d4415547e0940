package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The body is read exactly as sent whatever the Content-Type: curl's {@code --data-binary} sends
 * {@code application/x-www-form-urlencoded}, which netty-http form-decodes into headers unless the
 * endpoint is a bridge (routes/ingest.camel.yaml). Real routes, real port, real SQLite buffer.
 */
class IngestContentTypeTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "form-token";
    static final String FORM = "application/x-www-form-urlencoded";
    /** Every Content-Type a client may send; null = no header at all. */
    static final String[] TYPES = {FORM, FORM + "; charset=UTF-8", "text/plain", null, "application/json",
        "application/x-ndjson", "application/octet-stream"};

    /** Line protocol full of what a form decoder changes: & = %20 + and a lone %. */
    static final String LP = "web,path=/a&b\\=c,q=x+y q=\"a=b&c=d\",enc=\"%20+%\",pct=\"100%\",n=3i 1700000000000000000\n"
            + "m&x=1 f%20=1.5,s=\"&\" 1700000000000000001\n";
    static final String LP_STORED_1 = "{\"measurement\":\"web\",\"tags\":{\"path\":\"/a&b=c\",\"q\":\"x+y\"},"
            + "\"fields\":{\"q\":\"a=b&c=d\",\"enc\":\"%20+%\",\"pct\":\"100%\",\"n\":3},\"time\":1700000000000000000,\"db\":\"demo\"}";
    static final String LP_STORED_2 = "{\"measurement\":\"m&x=1\",\"tags\":{},"
            + "\"fields\":{\"f%20\":1.5,\"s\":\"&\"},\"time\":1700000000000000001,\"db\":\"demo\"}";
    static final String LOG = "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"INFO\",\"message\":\"a=b&c=%20+% 100%\","
            + "\"context\":{\"q\":\"x&y=z\",\"p\":\"%\"}}";
    static final String TELEMETRY = "{\"run_id\":\"r&1=2\",\"source\":\"e%20\",\"type\":\"event\",\"frame\":1,"
            + "\"time\":\"2025-12-10T12:00:00Z\",\"fields\":{\"note\":\"+&=%\"}}";

    @TempDir
    static Path dir;
    static DataPathHarness agent;
    static int port;

    @BeforeAll
    static void boot() throws Exception {
        TestSettings s = new TestSettings(dir).env("NERVESYS_INGEST_TOKENS", TOKEN);
        port = Integer.parseInt(s.properties().get("nervesys.ingest.port"));
        agent = new DataPathHarness(s, "ingest.camel.yaml");
        agent.buffer().registerConsumer("test");
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    /** Bodies committed after the test consumer's cursor; moves the cursor past them. */
    static List<String> newBodies() {
        List<BufferedRecord> rows = agent.buffer().read(agent.buffer().position("test"), 100_000);
        if (!rows.isEmpty()) {
            agent.buffer().acknowledge("test", rows.get(rows.size() - 1).id(), null);
        }
        return rows.stream().map(BufferedRecord::bodyText).toList();
    }

    static Map<String, String> headers(String contentType) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Token " + TOKEN);
        if (contentType != null) {
            h.put("Content-Type", contentType);
        }
        return h;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyContentTypeOnOneKeepAliveConnectionStoresTheBodyAsSent() throws Exception {
        newBodies();
        List<String> expected = new ArrayList<>();
        try (RawHttp c = new RawHttp(port)) {
            for (String type : TYPES) {
                RawHttp.Response w = c.post("/write?db=demo", headers(type), utf8(LP));
                assertThat(w.status()).as("/write with %s: %s", type, w.body()).isEqualTo(204);
                expected.add(LP_STORED_1);
                expected.add(LP_STORED_2);
                RawHttp.Response v2 = c.post("/api/v2/write?bucket=b", headers(type), utf8(LP));
                assertThat(v2.status()).as("/api/v2/write with %s: %s", type, v2.body()).isEqualTo(204);
                expected.add(LP_STORED_1.replace(",\"db\":\"demo\"}", ",\"bucket\":\"b\"}"));
                expected.add(LP_STORED_2.replace(",\"db\":\"demo\"}", ",\"bucket\":\"b\"}"));
                RawHttp.Response n = c.post("/ingest", headers(type), utf8(LOG + "\n" + TELEMETRY + "\n"));
                assertThat(n.status()).as("/ingest with %s: %s", type, n.body()).isEqualTo(204);
                expected.add(LOG);
                expected.add(TELEMETRY);
            }
        }
        assertThat(newBodies()).containsExactlyElementsOf(expected);
    }

    @Test
    void bodiesAFormDecoderCannotReadAreAnsweredNotDropped() throws Exception {
        newBodies();
        try (RawHttp c = new RawHttp(port)) {
            // no '=' at all, a lone '%', a pair with a bad escape: netty-http answered these with an empty reply
            for (String body : new String[] {"%\n", "text\n", "a=%zz&b\n"}) {
                RawHttp.Response r = c.post("/write?db=demo", headers(FORM), utf8(body));
                assertThat(r.status()).as(body).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).get("lines").get(0).get("line").asInt()).isEqualTo(1);
                r = c.post("/ingest", headers(FORM), utf8(body));
                assertThat(r.status()).as(body).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).get("lines").get(0).get("line").asInt()).isEqualTo(1);
            }
            // and the connection still serves the next request
            RawHttp.Response ok = c.post("/ingest", headers(FORM), utf8(LOG));
            assertThat(ok.status()).isEqualTo(204);
        }
        assertThat(newBodies()).containsExactly(LOG);
    }

    @Test
    void formFieldsInTheBodyDoNotBecomeRequestParameters() throws Exception {
        newBodies();
        try (RawHttp c = new RawHttp(port)) {
            // form-decoded, this body is the pairs "x s" = "\"" and "db" = "other\" 1": a second db parameter
            RawHttp.Response r = c.post("/write?db=demo", headers(FORM), utf8("x s=\"&db=other\" 1\n"));
            assertThat(r.status()).as(r.body()).isEqualTo(204);
        }
        assertThat(newBodies()).containsExactly("{\"measurement\":\"x\",\"tags\":{},\"fields\":{\"s\":\"&db=other\"},\"time\":1,\"db\":\"demo\"}");
    }

    /** The README's own command, by the real curl binary (which sends the form Content-Type). */
    @Test
    void theRealCurlWithItsDefaultContentType() throws Exception {
        assertThat(new File("/usr/bin/curl").canExecute()).as("curl (docker/services.sh installs it)").isTrue();
        newBodies();
        Path lp = dir.resolve("body.lp");
        Files.writeString(lp, LP);
        Path nd = dir.resolve("body.ndjson");
        Files.writeString(nd, LOG + "\n" + TELEMETRY + "\n");
        String auth = "Authorization: Token " + TOKEN;
        assertThat(curl("-XPOST", "127.0.0.1:" + port + "/write?db=demo", "-H", auth, "--data-binary", LP)).isEqualTo("204");
        assertThat(curl("-XPOST", "127.0.0.1:" + port + "/write?db=demo", "-H", auth, "--data-binary", "@" + lp)).isEqualTo("204");
        assertThat(curl("-XPOST", "http://127.0.0.1:" + port + "/ingest", "-H", auth, "--data-binary", "@" + nd)).isEqualTo("204");
        assertThat(newBodies()).containsExactly(LP_STORED_1, LP_STORED_2, LP_STORED_1, LP_STORED_2, LOG, TELEMETRY);
    }

    /** Runs curl with -sS, -w '%{http_code}' and the given arguments; its output (the status). */
    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.toString(StandardCharsets.UTF_8).trim();
    }
}
