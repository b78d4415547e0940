package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The line-protocol fast paths write JSON numbers that read back as exactly the value the general
 * code (Double.parseDouble, Long.parseLong) gives, floats always with a point or exponent.
 */
class LpFastPathTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The written float is a JSON floating-point number equal (bit for bit) to Double.parseDouble(v). */
    static void assertSameFloat(String v) throws Exception {
        String written = field(v);
        JsonNode node = JSON.readTree(written);
        assertThat(node.isDouble()).as(v + " -> " + written + " stays a float").isTrue();
        assertThat(Double.doubleToRawLongBits(node.doubleValue())).as(v + " -> " + written)
                .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(v)));
    }

    static String field(String value) {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = ("m v=" + value + " 1\n").getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.parse("ns"), 0, "", batch);
        assertThat(batch.errors()).isEmpty();
        String json = new String(batch.bodies().get(0), StandardCharsets.UTF_8);
        return json.substring(json.indexOf("\"v\":") + 4, json.indexOf('}', json.indexOf("\"v\":")));
    }

    @Test
    void decimalsAndIntegersReadBackAsTheSameDoubleAndLong() throws Exception {
        Random r = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            int intDigits = 1 + r.nextInt(9);
            int fracDigits = r.nextInt(9);
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
            for (int k = 0; k < intDigits; k++) {
                sb.append((char) ('0' + r.nextInt(10)));
            }
            if (fracDigits > 0 || r.nextInt(4) == 0) {
                sb.append('.');
                for (int k = 0; k < fracDigits; k++) {
                    sb.append((char) ('0' + r.nextInt(10)));
                }
            }
            String v = sb.toString();
            assertSameFloat(v);
            boolean plain = !v.endsWith(".") && !v.replace("-", "").matches("0[0-9].*");
            if (plain) {
                assertThat(field(v)).as("plain decimals are copied").isEqualTo(v.contains(".") ? v : v + ".0");
            }
            long l = r.nextLong() >> r.nextInt(64);
            assertThat(field(l + "i")).isEqualTo(Long.toString(l));
        }
        for (String v : new String[] {"0", "-0", "0.0", "-0.0", "123456789012345", "1234567890123456", "0.000001", "9999999.5",
            "12345678.9", "1e3", ".5", "5.", "+1", "007", "-00.5", "1E-7", "123456789012345.6"}) {
            assertSameFloat(v);
        }
        for (String v : new String[] {"0", "-0", "00", "007", "9223372036854775807", "-9223372036854775807",
            "1000000000000000000", "-1"}) {
            assertThat(JSON.readTree(field(v + "i")).isIntegralNumber()).as(v).isTrue();
            assertThat(JSON.readTree(field(v + "i")).longValue()).as(v).isEqualTo(Long.parseLong(v));
        }
        assertThat(field(Long.MIN_VALUE + "i")).isEqualTo(Long.toString(Long.MIN_VALUE));
    }

    @Test
    void lineNumbersCountNewlinesInsideStrings() {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = "m s=\"a\nb\nc\" 1\r\nm v=1\n\nbad\nm s=\"x\ny\"\nm v=oops".getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.parse("ns"), 0, "", batch);
        assertThat(batch.accepted()).isEqualTo(3);
        assertThat(batch.errors()).extracting(LineError::line).containsExactly(6, 9);
    }

    @Test
    void timestampsInNanosecondsAreCopiedAndOthersConverted() throws Exception {
        for (String[] c : new String[][] {{"ns", "1765367999999997771", "1765367999999997771"},
            {"ns", "9223372036854775807", "9223372036854775807"}, {"ns", "-5", "-5"}, {"ns", "007", "7"},
            {"ms", "1765367999999", "1765367999999000000"}, {"s", "-2", "-2000000000"}}) {
            ParsedBatch batch = new ParsedBatch();
            byte[] b = ("m v=1i " + c[1] + "\n").getBytes(StandardCharsets.UTF_8);
            new LineProtocolParser().parse(b, b.length, Precision.parse(c[0]), 0, "", batch);
            assertThat(batch.errors()).as(c[1]).isEmpty();
            assertThat(JSON.readTree(batch.bodies().get(0)).get("time").asText()).as(c[1]).isEqualTo(c[2]);
        }
        ParsedBatch batch = new ParsedBatch();
        byte[] b = "m v=1i 9223372036854775808\nm v=1i 12a\n".getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.parse("ns"), 0, "", batch);
        assertThat(batch.errors()).extracting(LineError::reason)
                .containsExactly("invalid timestamp out of range '9223372036854775808'", "invalid timestamp '12a'");
    }

    @Test
    void namesAndStringsNeedingEscapesTakeTheGeneralPath() throws Exception {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = "m\\,x,t\\ k=a\"b,plain=v q\\=k=\"say \\\"hi\\\" \\\\ \u0001\",s=\"ok\" 1\n".getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.parse("ns"), 0, "", batch);
        assertThat(batch.errors()).isEmpty();
        JsonNode r = JSON.readTree(batch.bodies().get(0));
        assertThat(r.get("measurement").asText()).isEqualTo("m,x");
        assertThat(r.get("tags").get("t k").asText()).isEqualTo("a\"b");
        assertThat(r.get("tags").get("plain").asText()).isEqualTo("v");
        assertThat(r.get("fields").get("q=k").asText()).isEqualTo("say \"hi\" \\ \u0001");
        assertThat(r.get("fields").get("s").asText()).isEqualTo("ok");
    }
}
