package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.RecordKind;
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
}
