package dev.nervesys.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 10,000 random query strings (random bytes, malformed escapes, long values) sent to every GET
 * endpoint of the live port over raw sockets: each gets an HTTP answer (2xx or 4xx, complete) within
 * a second, never a hang or a closed connection.
 */
class LiveFuzzTest {

    private static final List<String> ENDPOINTS = List.of("/", "/ui/app.js", "/vendor/chartjs/chart.umd.min.js", "/runs",
            "/runs/fz", "/runs/fz/export", "/runs/no-such-run/export");

    /** One request with the raw target bytes; returns the status line and the body (de-chunked). */
    static String[] raw(int port, String target) throws Exception {
        return raw(port, target.getBytes(StandardCharsets.ISO_8859_1));
    }

    static String[] raw(int port, byte[] target) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write("GET ".getBytes(StandardCharsets.US_ASCII));
            req.write(target);
            req.write(" HTTP/1.1\r\nHost: fuzz\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(req.toByteArray());
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes(); // the server closes after each answer
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int head = text.indexOf("\r\n\r\n");
            assertThat(head).as("a complete head for %s: %s", new String(target, StandardCharsets.ISO_8859_1), text).isPositive();
            String headers = text.substring(0, head);
            String body = text.substring(head + 4);
            if (headers.toLowerCase().contains("transfer-encoding: chunked")) {
                assertThat(body).as("the last chunk").endsWith("0\r\n\r\n");
                StringBuilder b = new StringBuilder();
                int i = 0;
                while (true) {
                    int nl = body.indexOf("\r\n", i);
                    int n = Integer.parseInt(body.substring(i, nl).trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    b.append(body, nl + 2, nl + 2 + n);
                    i = nl + 2 + n + 2;
                }
                body = b.toString();
            }
            return new String[] {headers.substring(0, headers.indexOf("\r\n") < 0 ? headers.length() : headers.indexOf("\r\n")),
                new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)};
        }
    }

    private static byte[] query(Random rnd) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('?');
        int kind = rnd.nextInt(5);
        switch (kind) {
            case 0 -> { // random bytes, any of the 256
                int n = rnd.nextInt(200);
                for (int i = 0; i < n; i++) {
                    b.write(rnd.nextInt(256));
                }
            }
            case 1 -> { // parameters with malformed and well-formed escapes
                String[] parts = {"%", "%Z", "%ZZ", "%E0%A4%A", "%C3", "%C3%A9", "%FF", "%00", "%25", "+", "=", "&", "format=", "series=",
                    "csv", "json", "x", "%2", "%%", "%e2%82%ac"};
                int n = 1 + rnd.nextInt(12);
                for (int i = 0; i < n; i++) {
                    b.writeBytes(parts[rnd.nextInt(parts.length)].getBytes(StandardCharsets.US_ASCII));
                }
            }
            case 2 -> { // long values, up to past Netty's 4,096-byte request line
                b.writeBytes(("series=" + "a".repeat(rnd.nextInt(6000))).getBytes(StandardCharsets.US_ASCII));
            }
            case 3 -> { // printable ASCII soup
                int n = rnd.nextInt(100);
                for (int i = 0; i < n; i++) {
                    b.write(0x21 + rnd.nextInt(0x5e));
                }
            }
            default -> { // plausible queries
                String[] formats = {"csv", "json", "xml", "", "CSV"};
                b.writeBytes(("format=" + formats[rnd.nextInt(formats.length)] + "&series=engine." + (rnd.nextBoolean() ? "*" : "rpm"))
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
        return b.toByteArray();
    }

    @Test
    void everyRandomQueryStringOnEveryGetEndpointIsAnswered() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
            ClickHouseSchema.create(ch);
            db.query("INSERT INTO {db}.series SELECT 'fz', if(number % 2 = 0, 'engine.rpm', 'engine.temp'), number,"
                    + " toDateTime('2025-12-10 12:00:00', 'UTC'), 0, number, number FROM system.numbers LIMIT 20");
            Runs runs = new Runs(ch, Duration.ofMinutes(5));
            runs.start("fz", null);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            LiveServer server = new LiveServer(new LiveHub(RunsEdgesTest.settings(port), runs, "test"), RunsEdgesTest.settings(port),
                    new RunsApi(runs, new RunExport(ch)));
            server.start();
            long seed = Long.getLong("nervesys.test.seed", System.nanoTime());
            Random rnd = new Random(seed);
            Map<String, Integer> statuses = new TreeMap<>();
            long slowest = 0;
            try {
                for (int i = 0; i < 10_000; i++) {
                    String endpoint = ENDPOINTS.get(i % ENDPOINTS.size());
                    byte[] q = query(rnd);
                    byte[] target = new byte[endpoint.length() + q.length];
                    System.arraycopy(endpoint.getBytes(StandardCharsets.US_ASCII), 0, target, 0, endpoint.length());
                    System.arraycopy(q, 0, target, endpoint.length(), q.length);
                    long t0 = System.nanoTime();
                    String[] r;
                    try {
                        r = raw(port, target);
                    } catch (Exception e) {
                        throw new AssertionError("seed " + seed + ", request " + i + " " + endpoint + " query bytes "
                                + java.util.HexFormat.of().formatHex(q) + ": " + e, e);
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    slowest = Math.max(slowest, ms);
                    assertThat(ms).as("seed %d, request %d", seed, i).isLessThan(1000);
                    String status = r[0].split(" ").length > 1 ? r[0].split(" ")[1] : r[0];
                    assertThat(status).as("seed %d, request %d %s%s: %s", seed, i, endpoint,
                            new String(q, StandardCharsets.ISO_8859_1), r[1]).matches("[24]\\d\\d");
                    statuses.merge(endpoint + " " + status, 1, Integer::sum);
                }
            } finally {
                server.close();
            }
            // every kind of answer was reached: the fuzz is not stuck on one path
            assertThat(statuses).containsKeys("/runs 200", "/runs 400", "/runs/fz/export 200", "/runs/fz/export 400",
                    "/runs/no-such-run/export 404", "/ 200", "/ 400");
            System.out.println("live fuzz, seed " + seed + ": " + statuses + ", slowest " + slowest + " ms");
        }
    }
}
