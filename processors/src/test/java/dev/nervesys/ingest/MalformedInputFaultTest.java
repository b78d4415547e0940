package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of bench/validation/fault-malformed.py: bad lines of every kind between good
 * ones, over the real route. Each bad line is answered with its number, every good record is
 * committed, nothing of a bad line is. Found by that scenario: an impossible date (2025-02-30) and
 * UTF-8 that Jackson lets through (overlong forms, surrogates) were stored.
 */
class MalformedInputFaultTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @TempDir
    static Path dir;
    static DataPathHarness agent;
    static int port;

    @BeforeAll
    static void boot() throws Exception {
        port = DataPathHarness.freePort();
        agent = new DataPathHarness(new TestSettings(dir).set("nervesys.ingest.port", port)
                .set("nervesys.ingest.host", "127.0.0.1").set("nervesys.ingest.maxBodyBytes", 4 << 20), "ingest.camel.yaml");
        agent.buffer().registerConsumer("test");
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    static byte[] tele(long seq, String time, String source) {
        return ("{\"run_id\":\"m\",\"source\":\"" + source + "\",\"type\":\"update\",\"frame\":" + seq + ",\"time\":\"" + time
                + "\",\"seq\":" + seq + ",\"fields\":{\"v\":1}}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] tele(long seq) {
        return tele(seq, "2025-12-10T12:00:00Z", "s0");
    }

    static byte[] withBytes(long seq, byte... odd) {
        byte[] a = tele(seq);
        String s = new String(a, StandardCharsets.ISO_8859_1).replace("\"s0\"", "\"s\u0001\"");
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int at = s.indexOf('\u0001');
        byte[] out = new byte[b.length - 1 + odd.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(odd, 0, out, at, odd.length);
        System.arraycopy(b, at + 1, out, at + odd.length, b.length - at - 1);
        return out;
    }

    static HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Seqs of the records committed since the last call. */
    static List<Long> committedSeqs() {
        List<BufferedRecord> rows = agent.buffer().read(agent.buffer().position("test"), 100_000);
        List<Long> seqs = new ArrayList<>();
        for (BufferedRecord r : rows) {
            Matcher m = SEQ.matcher(r.bodyText());
            if (m.find()) {
                seqs.add(Long.parseLong(m.group(1)));
            }
        }
        if (!rows.isEmpty()) {
            agent.buffer().acknowledge("test", rows.get(rows.size() - 1).id(), null);
        }
        return seqs;
    }

    @Test
    void everyBadNdjsonLineIsNamedAndEveryGoodOneCommitted() throws Exception {
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("impossible day", tele(900_001, "2025-02-30T00:00:00Z", "s0"));
        bad.put("29 February of a common year", tele(900_002, "2023-02-29T00:00:00Z", "s0"));
        bad.put("31 April", tele(900_003, "2025-04-31T00:00:00Z", "s0"));
        bad.put("29 February 1900", tele(900_004, "1900-02-29T00:00:00Z", "s0"));
        bad.put("month 13", tele(900_005, "2025-13-01T00:00:00Z", "s0"));
        bad.put("overlong UTF-8", withBytes(900_006, (byte) 0xC0, (byte) 0xAF));
        bad.put("surrogate in UTF-8", withBytes(900_007, (byte) 0xED, (byte) 0xA0, (byte) 0x80));
        bad.put("beyond U+10FFFF", withBytes(900_008, (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80));
        bad.put("lone continuation byte", withBytes(900_009, (byte) 0x80));
        bad.put("truncated sequence", withBytes(900_010, (byte) 0xE2, (byte) 0x82));
        bad.put("bad JSON", "{\"run_id\":\"m\",".getBytes(StandardCharsets.UTF_8));
        bad.put("frame a string", new String(tele(900_011), StandardCharsets.UTF_8).replace("\"frame\":900011", "\"frame\":\"1\"")
                .getBytes(StandardCharsets.UTF_8));
        bad.put("huge garbage line", "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8));
        bad.put("impossible log timestamp", "{\"timestamp\":\"2025-06-31T00:00:00Z\",\"level\":\"INFO\",\"message\":\"seq 900012\"}"
                .getBytes(StandardCharsets.UTF_8));
        List<byte[]> good = List.of(tele(1), tele(2, "2024-02-29T23:59:59Z", "s0"), tele(3, "2000-02-29T00:00:00Z", "s0"),
                tele(4, "2025-12-31T23:59:60Z", "s0"), tele(5, "2025-04-30T00:00:00+02:00", "s0"),
                tele(6, "2025-12-10T12:00:00Z", "s\u00e9\u6f22\uD83D\uDE00"));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Map<Integer, String> badLines = new TreeMap<>();
        int line = 0;
        long seq = 100;
        List<Long> goodSeqs = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            body.write(tele(seq));
            body.write('\n');
            goodSeqs.add(seq++);
            line++;
            body.write(e.getValue());
            body.write('\n');
            badLines.put(++line, e.getKey());
        }
        for (byte[] g : good) {
            body.write(g);
            body.write('\n');
            line++;
        }
        goodSeqs.addAll(List.of(1L, 2L, 3L, 4L, 5L, 6L));

        for (boolean gzip : new boolean[] {false, true}) {
            HttpResponse<String> r = gzip ? post("/ingest", gzip(body.toByteArray()), "Content-Encoding", "gzip")
                    : post("/ingest", body.toByteArray());
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode j = JSON.readTree(r.body());
            assertThat(j.get("accepted").asInt()).isEqualTo(goodSeqs.size());
            assertThat(j.get("rejected").asInt()).isEqualTo(badLines.size());
            Map<Integer, String> listed = new TreeMap<>();
            j.get("lines").forEach(n -> listed.put(n.get("line").asInt(), n.get("reason").asText()));
            assertThat(listed.keySet()).as("rejected line numbers").containsExactlyElementsOf(badLines.keySet());
            for (Map.Entry<Integer, String> e : badLines.entrySet()) {
                String reason = listed.get(e.getKey());
                if (e.getValue().contains("UTF-8") || e.getValue().contains("continuation") || e.getValue().contains("truncated")
                        || e.getValue().contains("U+10FFFF")) {
                    assertThat(reason).as(e.getValue()).startsWith("invalid UTF-8 at byte ");
                }
                if (e.getValue().contains("day") || e.getValue().contains("February") || e.getValue().contains("April")
                        || e.getValue().contains("month")) {
                    assertThat(reason).as(e.getValue()).contains("RFC 3339");
                }
            }
            assertThat(committedSeqs()).as("committed, gzip=" + gzip).containsExactlyInAnyOrderElementsOf(goodSeqs);
        }
    }

    @Test
    void aTruncatedGzipBodyIsRefusedWithAReasonAndNothingCommitted() throws Exception {
        byte[] z = gzip((new String(tele(1), StandardCharsets.UTF_8) + "\n").repeat(50).getBytes(StandardCharsets.UTF_8));
        byte[] cut = java.util.Arrays.copyOf(z, z.length - 6);
        HttpResponse<String> r = post("/ingest", cut, "Content-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("body is not valid gzip: unexpected end of the gzip data (truncated body?)");
        assertThat(committedSeqs()).isEmpty();
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }
}
