package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.Rfc3339;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NdjsonParserTest {

    static final String TELEMETRY = "{\"run_id\":\"r1\",\"source\":\"engine\",\"type\":\"update\",\"frame\":123,"
            + "\"time\":\"2025-12-10T12:00:00.123456789Z\",\"seq\":42,\"fields\":{\"rpm\":1234.5,\"gear\":3,\"on\":true}}";
    static final String LOG = "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"ERROR\",\"agent_id\":\"a1\","
            + "\"action\":\"sync\",\"message\":\"disk full\",\"context\":{\"free\":[1,2],\"x\":{\"y\":1}}}";

    static ParsedBatch parse(String body) {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        new NdjsonParser().parse(b, b.length, batch);
        return batch;
    }

    static String error(String line) {
        ParsedBatch b = parse(line);
        assertThat(b.accepted()).isZero();
        assertThat(b.errors()).hasSize(1);
        return b.errors().get(0).reason();
    }

    @Test
    void telemetryAndLogsAreKeptByteForByteWithTheirKind() {
        ParsedBatch b = parse(TELEMETRY + "\r\n\n" + LOG + "\n");
        assertThat(b.errors()).isEmpty();
        assertThat(b.kinds()).containsExactly(RecordKind.TELEMETRY, RecordKind.LOG);
        assertThat(new String(b.bodies().get(0), StandardCharsets.UTF_8)).isEqualTo(TELEMETRY);
        assertThat(new String(b.bodies().get(1), StandardCharsets.UTF_8)).isEqualTo(LOG);
    }

    @Test
    void badLinesAreNumberedAndExplained() {
        String body = TELEMETRY + "\n"
                + "{\"run_id\":\"r1\",\"source\":\"e\",\"type\":\"tick\",\"frame\":1,\"time\":\"2025-12-10T12:00:00Z\",\"fields\":{}}\n"
                + "{not json\n"
                + LOG + "\n"
                + "[1,2]\n"
                + "{\"timestamp\":\"yesterday\",\"level\":\"INFO\",\"message\":\"m\"}\n"
                + "{\"run_id\":\"r1\",\"source\":\"e\",\"type\":\"event\",\"frame\":-1,\"time\":\"2025-12-10T12:00:00Z\",\"fields\":{}}\n"
                + "{\"run_id\":\"r1\",\"type\":\"event\",\"frame\":1,\"fields\":{}}\n"
                + "{\"hello\":1}\n"
                + "{\"level\":\"INFO\",\"message\":\"m\",\"timestamp\":\"2025-12-10T12:00:00+02:00\"} {}\n"
                + "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"event\",\"frame\":1,\"time\":\"2025-12-10T12:00:00Z\",\"fields\":{\"a\":[1]}}";
        ParsedBatch b = parse(body);
        assertThat(b.accepted()).isEqualTo(2);
        assertThat(b.errors()).extracting(LineError::line).containsExactly(2, 3, 5, 6, 7, 8, 9, 10, 11);
        assertThat(b.errors().get(0).reason()).isEqualTo("\"type\" must be \"update\" or \"event\"");
        assertThat(b.errors().get(1).reason()).startsWith("invalid JSON");
        assertThat(b.errors().get(2).reason()).isEqualTo("not a JSON object");
        assertThat(b.errors().get(3).reason()).contains("RFC 3339");
        assertThat(b.errors().get(4).reason()).contains("non-negative integer");
        assertThat(b.errors().get(5).reason()).contains("missing source, time");
        assertThat(b.errors().get(6).reason()).startsWith("neither a telemetry record");
        assertThat(b.errors().get(7).reason()).isEqualTo("more than one JSON value on the line");
        assertThat(b.errors().get(8).reason()).contains("field \"a\" must be a number");
    }

    @Test
    void rfc3339() {
        assertThat(Rfc3339.isValid("2025-12-10T12:00:00.123456789Z")).isTrue();
        assertThat(Rfc3339.isValid("2025-12-10T12:00:00-05:30")).isTrue();
        assertThat(Rfc3339.isValid("2025-12-10T12:00:00.1234567890Z")).isFalse();
        assertThat(Rfc3339.isValid("2025-13-10T12:00:00Z")).isFalse();
        assertThat(Rfc3339.isValid("2025-12-10T12:00:00")).isFalse();
        assertThat(Rfc3339.isValid("2025-12-10T12:00:00ZZ")).isFalse();
        assertThat(error("{\"timestamp\":\"2025-12-10 12:00:00\",\"level\":\"I\",\"message\":\"m\"}")).contains("RFC 3339");
    }

    static String telemetryAt(String time) {
        return "{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":" + time + ",\"fields\":{\"v\":1}}";
    }

    @Test
    void telemetryTimeIsRfc3339OrIntegerEpochNanoseconds() {
        String[] lines = {
            telemetryAt("1765368000123456789"), // 1: 19 digits, as every time since 2001-09-09
            telemetryAt("1765368000123456"), // 2: fewer digits, still nanoseconds
            telemetryAt("0"), // 3
            telemetryAt("9223372036854775807"), // 4: Long.MAX_VALUE
            telemetryAt("\"2024-02-29T12:00:00Z\""), // 5
            telemetryAt("\"2000-02-29T23:59:60Z\""), // 6: a leap second
            telemetryAt("\"2025-02-29T12:00:00Z\""), // 7
            telemetryAt("\"2025-04-31T12:00:00+02:00\""), // 8
            telemetryAt("-1"), // 9
            telemetryAt("1.7E18"), // 10
            telemetryAt("1765368000123456789.0"), // 11
            telemetryAt("9223372036854775808"), // 12
            telemetryAt("true"), // 13
            telemetryAt("\"1765368000123456789\""), // 14: digits as a string are not RFC 3339
            telemetryAt("\"2025-12-10T24:00:00Z\""), // 15
            telemetryAt("\"1900-02-29T00:00:00Z\""), // 16
            telemetryAt("\"2025-12-10T12:00:00+24:00\""), // 17
            telemetryAt("\"2025-12-10T12:59:60Z\""), // 18
            "{\"timestamp\":\"2025-02-31T00:00:00Z\",\"level\":\"INFO\",\"message\":\"m\"}", // 19
            "{\"timestamp\":1765368000123456789,\"level\":\"INFO\",\"message\":\"m\"}", // 20: logs stay RFC 3339
        };
        ParsedBatch b = parse(String.join("\n", lines));
        assertThat(b.accepted()).isEqualTo(6);
        assertThat(b.kinds()).containsOnly(RecordKind.TELEMETRY);
        for (int i = 0; i < 6; i++) {
            assertThat(new String(b.bodies().get(i), StandardCharsets.UTF_8)).isEqualTo(lines[i]);
        }
        assertThat(b.errors()).extracting(LineError::line).containsExactly(7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        String forms = "an RFC 3339 time such as 2025-12-10T12:00:00.123Z or integer epoch nanoseconds from 0 to 9223372036854775807";
        assertThat(b.errors()).extracting(LineError::reason).containsExactly(
                "\"time\" must be " + forms + ": 2025-02-29 does not exist (February 2025 has 28 days)",
                "\"time\" must be " + forms + ": 2025-04-31 does not exist (April 2025 has 30 days)",
                "\"time\" -1 is negative (use " + forms + ")",
                "\"time\" 1.7E18 is not an integer (use " + forms + ")",
                "\"time\" 1765368000123456789.0 is not an integer (use " + forms + ")",
                "\"time\" 9223372036854775808 is out of range (use " + forms + ")",
                "\"time\" must be " + forms,
                "\"time\" must be " + forms + ": not of the form YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm) with up to 9 fraction digits",
                "\"time\" must be " + forms + ": hour 24 is out of range (00-23)",
                "\"time\" must be " + forms + ": 1900-02-29 does not exist (February 1900 has 28 days)",
                "\"time\" must be " + forms + ": offset +24:00 is out of range (at most +23:59 / -23:59)",
                "\"time\" must be " + forms + ": second 60 is out of range (00-59; 60 only for a leap second, 23:59:60 UTC)",
                "\"timestamp\" must be an RFC 3339 time such as 2025-12-10T12:00:00.123Z: 2025-02-31 does not exist (February 2025 has 28 days)",
                "\"timestamp\" must be an RFC 3339 time such as 2025-12-10T12:00:00.123Z");
        // valid ones take the fast path (epoch numbers of today have 19 digits) and Jackson agrees
        for (int i = 0; i < 6; i++) {
            assertThat(NdjsonScannerTest.jackson(lines[i])).as(lines[i]).isEqualTo(NdjsonScanner.TELEMETRY);
            assertThat(NdjsonScannerTest.scanner(lines[i])).as(lines[i]).isEqualTo(NdjsonScanner.TELEMETRY);
        }
        for (int i = 6; i < lines.length; i++) {
            assertThat(NdjsonScannerTest.scanner(lines[i])).as(lines[i]).isEqualTo(NdjsonScanner.UNSURE);
        }
    }
}
