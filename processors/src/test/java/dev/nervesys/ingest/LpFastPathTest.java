package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The line-protocol fast paths write exactly what the general code wrote. */
class LpFastPathTest {

    static String field(String value) {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = ("m v=" + value + " 1\n").getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.parse("ns"), 0, "", batch);
        assertThat(batch.errors()).isEmpty();
        String json = new String(batch.bodies().get(0), StandardCharsets.UTF_8);
        return json.substring(json.indexOf("\"v\":") + 4, json.indexOf('}', json.indexOf("\"v\":")));
    }

    @Test
    void decimalsAndIntegersAreWrittenAsDoubleAndLongToString() {
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
            assertThat(field(v)).as(v).isEqualTo(Double.toString(Double.parseDouble(v)));
            long l = r.nextLong() >> r.nextInt(64);
            assertThat(field(l + "i")).isEqualTo(Long.toString(l));
        }
        for (String v : new String[] {"0", "-0", "0.0", "-0.0", "123456789012345", "1234567890123456", "0.000001", "9999999.5",
            "12345678.9", "1e3", ".5", "5.", "+1"}) {
            assertThat(field(v)).as(v).isEqualTo(Double.toString(Double.parseDouble(v)));
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
}
