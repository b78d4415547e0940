package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast scanner never accepts what the Jackson path rejects, and agrees on the kind. */
class NdjsonScannerTest {

    static final List<String> SEEDS = List.of(NdjsonParserTest.TELEMETRY, NdjsonParserTest.LOG,
            "{\"run_id\":\"run-1\",\"source\":\"engine-0\",\"type\":\"update\",\"frame\":0,\"time\":\"2025-12-10T11:59:59.999997771Z\","
                    + "\"seq\":0,\"fields\":{\"rpm\":2399.5,\"coolant_temp\":-88.01e-3,\"running\":true,\"state\":\"running\",\"x\":null,\"message\":\"\"}}",
            "{\"timestamp\":\"2025-12-10T12:00:01+02:00\",\"level\":\"warn\",\"message\":\"a \\\"quoted\\\" \\u00e9 \\n text\",\"agent_id\":null,\"action\":null,\"context\":null}",
            " { \"level\" : \"INFO\" , \"message\" : \"m\" , \"timestamp\" : \"2025-12-10T12:00:01.5z\" , \"extra\" : [ 1 , { } , [ ] , \"s\" ] } ",
            "{\"run_id\":\"r\",\"source\":\"s\",\"type\":\"event\",\"frame\":18,\"time\":\"2025-12-10T12:00:00Z\",\"fields\":{}}",
            "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"Ärger\",\"message\":\"über-temp ✓ 𝄞 日本\",\"fields\":{\"é\":\"ü\"}}");

    static int jackson(String line) {
        return jackson(line.getBytes(StandardCharsets.UTF_8));
    }

    static int jackson(byte[] b) {
        ParsedBatch batch = new ParsedBatch();
        String err = NdjsonParser.validateWithJackson(b, 0, b.length, batch);
        if (err != null) {
            return NdjsonScanner.UNSURE;
        }
        return batch.kinds().get(0) == RecordKind.TELEMETRY ? NdjsonScanner.TELEMETRY : NdjsonScanner.LOG;
    }

    static int scanner(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return NdjsonScanner.classify(b, 0, b.length);
    }

    @Test
    void invalidUtf8IsNeverAcceptedByTheFastPath() {
        Random r = new Random(11);
        byte[][] odd = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFF}, {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xF0, (byte) 0x9D, (byte) 0x84, (byte) 0x9E}};
        int fastOk = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] seed = SEEDS.get(r.nextInt(SEEDS.size())).getBytes(StandardCharsets.UTF_8);
            byte[] ins = odd[r.nextInt(odd.length)];
            int at = r.nextInt(seed.length + 1);
            byte[] b = new byte[seed.length + ins.length];
            System.arraycopy(seed, 0, b, 0, at);
            System.arraycopy(ins, 0, b, at, ins.length);
            System.arraycopy(seed, at, b, at + ins.length, seed.length - at);
            if (r.nextInt(4) == 0 && b.length > 0) {
                b[r.nextInt(b.length)] = (byte) (0x80 + r.nextInt(128));
            }
            int fast = NdjsonScanner.classify(b, 0, b.length);
            if (fast != NdjsonScanner.UNSURE) {
                assertThat(jackson(b)).as(new String(b, StandardCharsets.ISO_8859_1)).isEqualTo(fast);
                fastOk++;
            }
        }
        assertThat(fastOk).isGreaterThan(1000);
    }

    @Test
    void validSeedsTakeTheFastPath() {
        for (String s : SEEDS) {
            if (s.contains("\\u00e9") || s.contains("\\\"")) {
                continue;
            }
            assertThat(scanner(s)).as(s).isEqualTo(jackson(s)).isNotEqualTo(NdjsonScanner.UNSURE);
        }
    }

    @Test
    void acceptsOnlyWhatJacksonAccepts() {
        String alphabet = "{}[]\":,.-+eE0123456789 \t\r\\/ubfnrtTZz:abcxyzlsu\u0001\u007féü✓";
        String[] tokens = {"\"run_id\":", "\"level\":", "\"message\":", "\"fields\":", "\"frame\":", "\"type\":", "\"time\":",
            "\"timestamp\":", "\"context\":", "null", "true", "false", "01", "-1", "1.", "1e", "1e+5", "\"\"", "\"x\"", "{}", "[]",
            "99999999999999999999", "\"update\"", "\"2025-12-10T12:00:00Z\"", "\"2025-13-10T12:00:00Z\"", ",", "\\u12", "\\x"};
        Random r = new Random(7);
        int agreedFast = 0;
        for (int i = 0; i < 300_000; i++) {
            StringBuilder sb = new StringBuilder(SEEDS.get(r.nextInt(SEEDS.size())));
            int edits = 1 + r.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(sb.length() + 1);
                switch (r.nextInt(4)) {
                    case 0 -> sb.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> sb.insert(at, tokens[r.nextInt(tokens.length)]);
                    case 2 -> {
                        if (at < sb.length()) {
                            sb.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < sb.length()) {
                            sb.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                        }
                    }
                }
            }
            String line = sb.toString();
            int fast = scanner(line);
            if (fast != NdjsonScanner.UNSURE) {
                assertThat(jackson(line)).as(line).isEqualTo(fast);
                agreedFast++;
            }
        }
        assertThat(agreedFast).as("mutants accepted by the fast path").isGreaterThan(1000);
    }

    /** Telemetry times: dates that do not exist, ranges, epoch numbers; the fast path never takes a bad one. */
    @Test
    void timesAcceptedOnlyWhereJacksonAcceptsThem() {
        String[] times = {"0", "1", "-1", "01", "1765368000123456789", "176536800012345678", "9223372036854775807",
            "9223372036854775808", "9223372036854775817", "9300000000000000000", "10000000000000000000", "99999999999999999999", "1.5", "1e18", "1E18", "-0", "\"2024-02-29T00:00:00Z\"",
            "\"2025-02-29T00:00:00Z\"", "\"1900-02-29T00:00:00Z\"", "\"2000-02-29T00:00:00Z\"", "\"2025-04-31T00:00:00Z\"",
            "\"2025-02-31T00:00:00Z\"", "\"2025-12-31T23:59:60Z\"", "\"2025-12-31T22:59:60Z\"", "\"2025-12-10T24:00:00Z\"",
            "\"2025-12-10T23:60:00Z\"", "\"2025-12-10T23:00:00+23:59\"", "\"2025-12-10T23:00:00-24:00\"",
            "\"2025-12-10T23:00:00+05:60\"", "\"1765368000\"", "null", "true", "{}"};
        int fastOk = 0;
        for (String seed : List.of(NdjsonParserTest.TELEMETRY, SEEDS.get(2), SEEDS.get(5))) {
            int at = seed.indexOf("\"time\":") + 7;
            int end = seed.indexOf(',', at);
            for (String t : times) {
                String line = seed.substring(0, at) + t + seed.substring(end);
                int fast = scanner(line);
                if (fast != NdjsonScanner.UNSURE) {
                    assertThat(jackson(line)).as(line).isEqualTo(fast);
                    fastOk++;
                }
            }
            // the same values as a log's timestamp: RFC 3339 only
            String log = NdjsonParserTest.LOG;
            int lat = log.indexOf("\"timestamp\":") + 12;
            int lend = log.indexOf(',', lat);
            for (String t : times) {
                String line = log.substring(0, lat) + t + log.substring(lend);
                int fast = scanner(line);
                if (fast != NdjsonScanner.UNSURE) {
                    assertThat(jackson(line)).as(line).isEqualTo(fast);
                }
                if (!t.startsWith("\"")) {
                    assertThat(jackson(line)).as(line).isEqualTo(NdjsonScanner.UNSURE);
                }
            }
        }
        // 0, 1, 19 digits, 18 digits, Long.MAX_VALUE, two Feb 29ths, a leap second, +23:59
        assertThat(fastOk).as("valid times take the fast path").isEqualTo(3 * 9);
    }
}
