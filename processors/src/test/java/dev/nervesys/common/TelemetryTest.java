package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The telemetry reader of the ClickHouse shipper and the live view: both forms of time, the same instant. */
class TelemetryTest {

    static Telemetry at(String time) {
        return Telemetry.parse(("{\"run_id\":\"r\",\"source\":\"e\",\"type\":\"update\",\"frame\":1,\"time\":" + time
                + ",\"fields\":{\"v\":1.5}}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rfc3339AndEpochNanosecondsGiveTheSameInstant() {
        Instant i = Instant.parse("2025-12-10T12:00:00.123456789Z");
        Telemetry text = at("\"2025-12-10T13:00:00.123456789+01:00\"");
        Telemetry number = at(Long.toString(i.getEpochSecond() * 1_000_000_000L + i.getNano()));
        for (Telemetry t : new Telemetry[] {text, number}) {
            assertThat(t.epochSecond).isEqualTo(i.getEpochSecond());
            assertThat(t.nanos).isEqualTo(123_456_789);
            assertThat(t.timeNanos()).isEqualTo(1_765_368_000_123_456_789L);
        }
        assertThat(at("0").epochSecond).isZero();
        assertThat(at("999999999").nanos).isEqualTo(999_999_999);
        assertThat(at("9223372036854775807").epochSecond).isEqualTo(9_223_372_036L);
        assertThat(at("\"2016-12-31T23:59:60.5Z\"").epochSecond).isEqualTo(Instant.parse("2016-12-31T23:59:59Z").getEpochSecond());
    }

    @Test
    void impossibleTimesAreRefusedNotShifted() {
        // before, 2025-02-31 became 2025-03-03 and a time without 'T' was read anyway
        assertThatThrownBy(() -> at("\"2025-02-31T00:00:00Z\"")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("time 2025-02-31T00:00:00Z: 2025-02-31 does not exist (February 2025 has 28 days)");
        for (String bad : new String[] {"\"2025-02-29T00:00:00Z\"", "\"1900-02-29T00:00:00Z\"", "\"2025-04-31T00:00:00Z\"",
            "\"2025-12-10T24:00:00Z\"", "\"2025-12-10T12:60:00Z\"", "\"2025-12-10T12:00:60Z\"", "\"2025-12-10T12:00:00+24:00\"",
            "\"2025-12-10X12:00:00Z\"", "-1", "1.5e18", "9223372036854775808", "true", "null"}) {
            assertThatThrownBy(() -> at(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(at("\"2024-02-29T00:00:00Z\"").epochSecond).isEqualTo(Instant.parse("2024-02-29T00:00:00Z").getEpochSecond());
        assertThat(at("\"2000-02-29T00:00:00Z\"").epochSecond).isEqualTo(Instant.parse("2000-02-29T00:00:00Z").getEpochSecond());
    }
}
