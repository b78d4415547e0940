package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.telecrunch.codec.LineProtocolWriter;
import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property test of the line protocol writer against an independent parser: a real influxd 1.6.7
 * (Debian package {@code influxdb}: {@code apt-get install -y influxdb}), started on free ports in a
 * temporary directory. Random names and values (every printable and control character, UTF-8 up
 * to 4 bytes, backslashes anywhere, trailing ones included) are written by
 * {@link LineProtocolWriter}, sent to influxd, and read back with InfluxQL: every name and value must
 * come back exactly, and the only names the writer refuses are the two line protocol cannot carry
 * (a line break, a trailing backslash).
 */
class LineProtocolInfluxdTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SPECIAL = ",= \"\\'#\t\r\n\u0000\u0001\u007f";

    @TempDir
    static Path dir;
    private static Process influxd;
    private static String base;

    @BeforeAll
    static void startInfluxd() throws Exception {
        Path bin = Path.of("/usr/bin/influxd");
        assertThat(bin).as("influxd 1.6.7 is needed: apt-get install -y influxdb").exists();
        int http = freePort();
        int rpc = freePort();
        ProcessBuilder pb = new ProcessBuilder(bin.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("influxd.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("INFLUXDB_BIND_ADDRESS", "127.0.0.1:" + rpc);
        env.put("INFLUXDB_HTTP_BIND_ADDRESS", "127.0.0.1:" + http);
        env.put("INFLUXDB_META_DIR", dir.resolve("meta").toString());
        env.put("INFLUXDB_DATA_DIR", dir.resolve("data").toString());
        env.put("INFLUXDB_DATA_WAL_DIR", dir.resolve("wal").toString());
        env.put("INFLUXDB_REPORTING_DISABLED", "true");
        env.put("INFLUXDB_HTTP_LOG_ENABLED", "false");
        env.put("INFLUXDB_DATA_QUERY_LOG_ENABLED", "false");
        influxd = pb.start();
        base = "http://127.0.0.1:" + http;
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/ping")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 204) {
                    break;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            assertThat(System.nanoTime()).as(Files.exists(dir.resolve("influxd.log")) ? Files.readString(dir.resolve("influxd.log")) : "")
                    .isLessThan(until);
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopInfluxd() throws Exception {
        if (influxd != null) {
            influxd.destroy();
            influxd.waitFor();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> write(String db, String lines) throws Exception {
        try {
            return send(db, lines);
        } catch (java.io.IOException e) { // influxd repeats a refused line in a header, raw bytes the JDK client refuses
            throw new AssertionError("influxd refused " + shown(lines) + ": " + e.getMessage(), e);
        }
    }

    private static HttpResponse<String> send(String db, String lines) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/write?precision=ns&db=" + db))
                .POST(HttpRequest.BodyPublishers.ofString(lines, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode query(String db, String q) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/query?db=" + db + "&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("results").get(0);
    }

    /** 0..max chars: specials, ASCII, control characters, 2-, 3- and 4-byte UTF-8; now and then a trailing backslash. */
    private static String text(Random rnd, int min, int max, boolean controls) {
        StringBuilder b = new StringBuilder();
        int n = min + rnd.nextInt(max - min + 1);
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(6);
            int cp = switch (kind) {
                case 0 -> SPECIAL.charAt(rnd.nextInt(SPECIAL.length()));
                case 1 -> 0x20 + rnd.nextInt(0x5f);
                case 2 -> controls ? rnd.nextInt(0x20) : 'a' + rnd.nextInt(26);
                case 3 -> 0x80 + rnd.nextInt(0x780);
                case 4 -> {
                    int c = 0x800 + rnd.nextInt(0xF800 - 0x800);
                    yield Character.isSurrogate((char) c) ? 0x4e2d : c;
                }
                default -> 0x10000 + rnd.nextInt(0x1000);
            };
            if (!controls && (Character.isISOControl(cp))) {
                cp = '_';
            }
            b.appendCodePoint(cp);
        }
        if (rnd.nextInt(20) == 0) {
            b.append('\\');
        }
        return b.toString();
    }

    /** Tags: a line break, a trailing backslash (docs/telecrunch.md). */
    private static boolean unwritable(String name) {
        return name.indexOf('\n') >= 0 || name.endsWith("\\");
    }

    /** Field keys: also an odd number of backslashes before a comma, equals sign or space. */
    private static boolean unwritableKey(String name) {
        return unwritable(name) || name.startsWith("\t") || name.startsWith("\0") || java.util.regex.Pattern.compile("(?<!\\\\)(\\\\\\\\)*\\\\[,= ]").matcher(name).find();
    }

    /** Measurements: also a backslash before a comma, space, equals sign or double quote. */
    private static boolean unwritableMeasurement(String name) {
        return unwritable(name) || java.util.regex.Pattern.compile("\\\\[,= \"]").matcher(name).find();
    }

    /** For messages: everything but printable ASCII as \\uXXXX. */
    private static String shown(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(ch -> b.append(ch >= 0x20 && ch < 0x7f ? String.valueOf((char) ch) : String.format("\\u%04x", ch)));
        return b.toString();
    }

    @Test
    void everyNameAndValueComesBackFromInfluxdAsWritten() throws Exception {
        long seed = Long.getLong("nervesys.test.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String db = "lp";
        query(db, "CREATE DATABASE " + db);
        int written = 0;
        int refused = 0;
        for (int c = 0; c < 500; c++) {
            // field names as a schema may hold them (no control characters, not reserved), values anything
            List<String> names = new ArrayList<>();
            while (names.size() < 3) {
                String n = text(rnd, 1, 12, false).strip();
                if (!n.isEmpty() && n.length() <= 64 && !names.contains(n) && !SchemaLoader.RESERVED.contains(n)
                        && !n.equalsIgnoreCase("time")) {
                    names.add(n);
                }
            }
            ObjectNode schema = JSON.createObjectNode().put("name", "m" + c).put("version", 1);
            ArrayNode fields = schema.putArray("fields");
            names.forEach(n -> fields.addObject().put("name", n).put("type", "string").put("maxLength", 400));
            Schema s;
            try {
                s = SchemaLoader.parse(schema.toString());
            } catch (SchemaException e) {
                // the schema loader refuses exactly the names line protocol cannot carry
                assertThat(names.stream().anyMatch(LineProtocolInfluxdTest::unwritableKey)).as(e.getMessage()).isTrue();
                refused++;
                continue;
            }
            String source = text(rnd, 1, 12, true);
            String runId = text(rnd, 1, 12, true);
            RecordBlock b = new RecordBlock(s, 1);
            b.runId(runId);
            b.sourceIndex(source);
            int r = b.append(RecordBlock.UPDATE, 0, c, c, 1_765_368_000_000_000_000L + c);
            List<String> values = new ArrayList<>();
            for (int f = 0; f < names.size(); f++) {
                String v = text(rnd, 0, 30, true);
                values.add(v);
                b.strings[f][r] = v;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RecordWriter w = OutputFormat.LP.open(s, out);
            if (unwritable(source) || unwritable(runId)) {
                assertThatThrownBy(() -> w.write(b)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("line protocol cannot carry");
                refused++;
                continue;
            }
            w.write(b);
            w.flush();
            String line = out.toString(StandardCharsets.UTF_8);
            HttpResponse<String> wr = write(db, line);
            assertThat(wr.statusCode()).as("seed %d, line %s: %s", seed, shown(line), wr.body()).isEqualTo(204);
            JsonNode series = query(db, "SELECT * FROM \"m" + c + "\" GROUP BY *").path("series");
            assertThat(series.size()).as("seed %d, line %s", seed, shown(line)).isEqualTo(1);
            JsonNode got = series.get(0);
            Map<String, String> tags = new HashMap<>();
            got.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
            assertThat(tags).as("seed %d, line %s", seed, shown(line)).isEqualTo(Map.of("source", source, "run_id", runId, "type", "update"));
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < got.path("columns").size(); i++) {
                JsonNode v = got.path("values").get(0).get(i);
                row.put(got.path("columns").get(i).asText(), v.isNull() ? null : v.asText());
            }
            for (int f = 0; f < names.size(); f++) {
                assertThat(row).as("seed %d, line %s", seed, shown(line)).containsEntry(names.get(f), values.get(f));
            }
            assertThat(row).as("seed %d", seed).containsEntry("seq", String.valueOf(c)).containsEntry("frame", String.valueOf(c));
            assertThat(row.keySet()).as("seed %d", seed).hasSize(names.size() + 3);
            written++;
        }
        assertThat(written).as("seed %d", seed).isGreaterThan(150);
        assertThat(refused).as("seed %d: the refusals were exercised", seed).isGreaterThan(0);
    }

    @Test
    void measurementsAndFieldKeysWithControlCharactersComeBackAsWritten() throws Exception {
        long seed = Long.getLong("nervesys.test.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String db = "names";
        query(db, "CREATE DATABASE " + db);
        Map<String, String> sent = new LinkedHashMap<>();
        int refused = 0;
        for (int c = 0; c < 300; c++) {
            String measurement = "m" + c + "_" + text(rnd, 0, 12, true);
            String key = text(rnd, 1, 12, true);
            String key2 = text(rnd, 1, 12, true);
            if (key2.equals(key)) {
                continue;
            }
            if (unwritableMeasurement(measurement)) {
                assertThatThrownBy(() -> LineProtocolWriter.escapeMeasurement(measurement)).isInstanceOf(IllegalArgumentException.class);
                refused++;
                continue;
            }
            if (unwritableKey(key) || unwritableKey(key2)) {
                assertThatThrownBy(() -> {
                    LineProtocolWriter.escapeFieldKey(key);
                    LineProtocolWriter.escapeFieldKey(key2);
                }).isInstanceOf(IllegalArgumentException.class);
                refused++;
                continue;
            }
            String line = LineProtocolWriter.escapeMeasurement(measurement) + " " + LineProtocolWriter.escapeFieldKey(key) + "=1i,"
                    + LineProtocolWriter.escapeFieldKey(key2) + "=2i " + c;
            HttpResponse<String> wr = write(db, line + "\n");
            assertThat(wr.statusCode()).as("seed %d, line %s: %s", seed, shown(line), wr.body()).isEqualTo(204);
            sent.put("m" + c + "_", measurement);
            JsonNode keys = query(db, "SHOW FIELD KEYS FROM /^m" + c + "_/").path("series");
            assertThat(keys.size()).as("seed %d, line %s", seed, shown(line)).isEqualTo(1);
            assertThat(keys.get(0).path("name").asText()).as("seed %d, line %s", seed, shown(line)).isEqualTo(measurement);
            List<String> got = new ArrayList<>();
            keys.get(0).path("values").forEach(v -> got.add(v.get(0).asText()));
            assertThat(got).as("seed %d, line %s", seed, shown(line)).containsExactlyInAnyOrder(key, key2);
        }
        assertThat(sent.size()).as("seed %d", seed).isGreaterThan(100);
        assertThat(refused).as("seed %d", seed).isGreaterThan(0);
    }
}
