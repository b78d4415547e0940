package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scanner of {@link Telemetry} against its Jackson reader: on every input both give the same
 * members and numbers (bit for bit) or the same refusal, and the scanner really reads the common
 * records itself (else the comparison would only ever test Jackson against itself).
 */
class TelemetryScannerTest {

    private static final String OK = "{\"run_id\":\"r1\",\"source\":\"engine\",\"type\":\"update\",\"frame\":7,"
            + "\"time\":1765368000123456789,\"fields\":{\"rpm\":1000,\"temp\":-21.5}}";

    /** Reads with both readers and compares; returns whether the scanner read it itself. */
    static boolean same(String json) {
        return same(json.getBytes(StandardCharsets.UTF_8));
    }

    static boolean same(byte[] body) {
        String label = new String(body, StandardCharsets.UTF_8);
        Telemetry expected = null;
        String expectedError = null;
        try {
            expected = Telemetry.parseJackson(body);
        } catch (IllegalArgumentException e) {
            expectedError = e.getMessage();
        }
        Telemetry actual = new Telemetry();
        try {
            actual.read(body);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as(label).isEqualTo(expectedError);
            return false;
        }
        assertThat(expectedError).as(label).isNull();
        assertThat(actual.runId).as(label).isEqualTo(expected.runId);
        assertThat(actual.source).as(label).isEqualTo(expected.source);
        assertThat(actual.type).as(label).isEqualTo(expected.type);
        assertThat(actual.frame).as(label).isEqualTo(expected.frame);
        assertThat(actual.seq).as(label).isEqualTo(expected.seq);
        assertThat(actual.epochSecond).as(label).isEqualTo(expected.epochSecond);
        assertThat(actual.nanos).as(label).isEqualTo(expected.nanos);
        assertThat(actual.fieldsStart).as(label).isEqualTo(expected.fieldsStart);
        assertThat(actual.fieldsEnd).as(label).isEqualTo(expected.fieldsEnd);
        assertThat(actual.count).as(label).isEqualTo(expected.count);
        for (int i = 0; i < actual.count; i++) {
            assertThat(actual.names[i]).as(label).isEqualTo(expected.names[i]);
            assertThat(Double.doubleToRawLongBits(actual.values[i])).as(label + " value " + i + " " + actual.values[i] + " vs "
                    + expected.values[i]).isEqualTo(Double.doubleToRawLongBits(expected.values[i]));
        }
        return actual.scanned;
    }

    private static String with(String member) {
        return "{\"run_id\":\"r1\",\"source\":\"engine\",\"type\":\"update\",\"frame\":7,\"time\":1765368000123456789," + member
                + ",\"fields\":{\"v\":1}}";
    }

    private static String fields(String inside) {
        return "{\"run_id\":\"r1\",\"source\":\"engine\",\"type\":\"event\",\"frame\":0,\"time\":\"2025-12-10T12:00:00.5Z\","
                + "\"fields\":{" + inside + "}}";
    }

    @Test
    void commonRecordsAreReadByTheScannerWithJacksonsValues() {
        assertThat(same(OK)).isTrue();
        assertThat(same(fields("\"a\":1.5,\"b\":-0.0,\"c\":0,\"d\":-0,\"e\":1e3,\"f\":2.5E-7,\"g\":123456789012345678"))).isTrue();
        assertThat(same(fields(""))).isTrue();
        assertThat(same(fields("\"s\":\"text\",\"n\":null,\"t\":true,\"o\":{\"x\":[1,2,{\"y\":\"z\"}]},\"v\":3"))).isTrue();
        assertThat(same(" {\n\t\"run_id\" : \"r1\" ,\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{ } }\r\n"))
                .isTrue();
        assertThat(same(with("\"seq\":null"))).isTrue();
        assertThat(same(with("\"seq\":42"))).isTrue();
        assertThat(same(with("\"extra\":{\"deep\":[[[\"\\u00e9\\n\"]]]}"))).as("escapes in a value passed over").isTrue();
        Telemetry t = Telemetry.parse(OK.getBytes(StandardCharsets.UTF_8));
        assertThat(t.runId).isEqualTo("r1");
        assertThat(t.frame).isEqualTo(7);
        assertThat(t.epochSecond).isEqualTo(1_765_368_000L);
        assertThat(t.nanos).isEqualTo(123_456_789);
        assertThat(t.values[1]).isEqualTo(-21.5);
        assertThat(OK.substring(t.fieldsStart, t.fieldsEnd)).isEqualTo("{\"rpm\":1000,\"temp\":-21.5}");
    }

    @Test
    void unicodeAndEscapes() {
        // UTF-8 in kept strings and field names: read by the scanner
        assertThat(same("{\"run_id\":\"läuf-1\",\"source\":\"moteur·ß\",\"type\":\"update\",\"frame\":1,\"time\":5,"
                + "\"fields\":{\"température\":20.5,\"😀\":1}}")).isTrue();
        // escapes where a string is kept, or in a name: Jackson decodes them, the scanner leaves them to it
        assertThat(same("{\"run_id\":\"r\\u00e9\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}")).isFalse();
        assertThat(same("{\"run_id\":\"r\\\"q\",\"source\":\"e\\\\\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}")).isFalse();
        assertThat(same(fields("\"a\\tb\":1,\"c\":2"))).isFalse();
        assertThat(same("{\"run\\u005fid\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}")).isFalse();
        assertThat(same("{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"upd\\u0061te\",\"frame\":1,\"time\":5,\"fields\":{}}")).isFalse();
        // not strict UTF-8 (a lone continuation byte, an overlong form, a surrogate): left to Jackson
        for (byte[] bad : new byte[][] {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}}) {
            byte[] head = "{\"run_id\":\"r".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}".getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(bad, 0, body, head.length, bad.length);
            System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);
            assertThat(same(body)).isFalse();
        }
        // a time string beyond ASCII: Jackson's reader words the refusal with the string as it read it
        assertThat(same(with("\"time\":\"2025-12-10T12:00:00Zé\"").replace(",\"time\":1765368000123456789", ""))).isFalse();
    }

    @Test
    void missingMembersWrongTypesAndNumbersAsStringsAreRefusedAsJacksonRefusesThem() {
        String[] refused = {
            "{\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}", // no run_id
            "{\"run_id\":\"\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5}", // no fields
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"time\":5,\"fields\":{}}", // no frame
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"point\",\"frame\":1,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":\"1\",\"time\":5,\"fields\":{}}", // frame as a string
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":\"5\",\"fields\":{}}", // time as a string
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":-1,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1.0,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"seq\":\"3\",\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":9223372036854775808,\"fields\":{}}",
            "{\"run_id\":7,\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":[]}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":\"2025-02-31T00:00:00Z\",\"fields\":{}}",
            "[1,2]", "{}", "", "null", "{\"run_id\":\"r\"", "{\"run_id\":\"r\",}", "{\"run_id\":'r'}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":01,\"time\":5,\"fields\":{}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{\"a\":NaN}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{\"a\":1.}}",
            "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{\"a\":\"unterminated}}",
            "{\"run_id\":\"r\nx\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"fields\":{}}", // control character
        };
        for (String json : refused) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Telemetry.parseJackson(body)).as(json).isInstanceOf(IllegalArgumentException.class);
            same(body); // the same message from the record's reader
        }
        assertThatThrownBy(() -> Telemetry.parse("{\"run_id\":\"r\",".getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("invalid JSON: ");
        // numbers as strings inside fields are passed over, as Jackson's reader does
        assertThat(same(fields("\"a\":\"1.5\",\"b\":2"))).isTrue();
        assertThat(Telemetry.parse(fields("\"a\":\"1.5\",\"b\":2").getBytes(StandardCharsets.UTF_8)).count).isEqualTo(1);
    }

    @Test
    void repeatedMembersAndTrailingBytesAsJackson() {
        assertThat(same("{\"run_id\":\"a\",\"run_id\":\"b\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"frame\":2,"
                + "\"time\":\"2025-12-10T12:00:00Z\",\"time\":5,\"fields\":{\"x\":1},\"fields\":{\"y\":2}}")).isTrue();
        assertThat(same("{\"run_id\":\"a\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":5,\"time\":\"2025-12-10T12:00:00Z\","
                + "\"fields\":{}}")).isTrue();
        // Jackson stops after the object; the scanner leaves anything but whitespace there to it
        assertThat(same(OK + " trailing")).isFalse();
        assertThat(same(OK + "}")).isFalse();
        assertThat(same("\uFEFF" + OK)).isFalse();
    }

    @Test
    void numbersBitForBitAsJacksonOnManyRandomValues() {
        Random rnd = new Random(14);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            values.add(switch (i % 8) {
                case 0 -> Long.toString(rnd.nextLong() % 1_000_000_000_000_000_000L);
                case 1 -> Double.toString(rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20));
                case 2 -> String.format(Locale.ROOT, "%.6f", rnd.nextGaussian() * 1000);
                case 3 -> (rnd.nextBoolean() ? "-" : "") + rnd.nextInt(100_000) + "." + rnd.nextInt(1000) + "e" + (rnd.nextInt(60) - 30);
                case 4 -> "0.000" + Math.abs(rnd.nextLong());
                case 5 -> Long.toString(Math.abs(rnd.nextLong())) + Long.toString(Math.abs(rnd.nextLong())); // beyond a long
                case 6 -> Double.toString(Double.longBitsToDouble(rnd.nextLong() & 0x7FEFFFFFFFFFFFFFL));
                default -> rnd.nextInt(10) + "." + Long.toString(Math.abs(rnd.nextLong())) + "E+" + rnd.nextInt(400);
            });
        }
        int scanned = 0;
        for (int i = 0; i < values.size(); i += 4) {
            StringBuilder f = new StringBuilder();
            for (int k = i; k < i + 4; k++) {
                f.append(k == i ? "" : ",").append("\"f").append(k - i).append("\":").append(values.get(k).replace("E-", "e-"));
            }
            if (same(fields(f.toString()))) {
                scanned++;
            }
        }
        // every record but those with an integer beyond 18 digits (case 5, one in every other record): left to Jackson
        assertThat(scanned).as("records the scanner read itself").isEqualTo(values.size() / 8);
    }

    @Test
    void oneInstanceReadsManyRecordsAndRepeatsItsStrings() {
        Telemetry t = new Telemetry();
        t.read(OK.getBytes(StandardCharsets.UTF_8));
        String run = t.runId;
        String name = t.names[0];
        t.read(OK.replace("\"frame\":7", "\"frame\":8").getBytes(StandardCharsets.UTF_8));
        assertThat(t.runId).isSameAs(run);
        assertThat(t.names[0]).isSameAs(name);
        assertThat(t.frame).isEqualTo(8);
        t.read(OK.replace("r1", "r2").replace("rpm", "rpx").getBytes(StandardCharsets.UTF_8));
        assertThat(t.runId).isEqualTo("r2");
        assertThat(t.names[0]).isEqualTo("rpx");
        // a refused record leaves nothing of itself for the next one
        assertThatThrownBy(() -> t.read("{\"run_id\":\"r\"}".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class);
        t.read(with("\"x\":1").getBytes(StandardCharsets.UTF_8));
        assertThat(t.count).isEqualTo(1);
        assertThat(t.seq).isEqualTo(-1);
        // the Jackson path on the same instance after a scanned record
        t.read(("{\"run_id\":\"r\\u0031\",\"source\":\"e\",\"type\":\"update\",\"frame\":3,\"time\":5,\"fields\":{\"q\":2}}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(t.runId).isEqualTo("r1");
        assertThat(t.scanned).isFalse();
        assertThat(t.names[0]).isEqualTo("q");
        assertThat(t.count).isEqualTo(1);
    }
}
