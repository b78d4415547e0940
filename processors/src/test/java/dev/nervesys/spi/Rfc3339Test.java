package dev.nervesys.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one RFC 3339 reader of records, checked against java.time (which is too slow for the hot path). */
class Rfc3339Test {

    static long epochSecond(String s) {
        byte[] b = Rfc3339.latin1(s);
        return Rfc3339.epochSecond(b, 0, b.length);
    }

    static int nanos(String s) {
        byte[] b = Rfc3339.latin1(s);
        return Rfc3339.nanos(b, 0, b.length);
    }

    @Test
    void daysThatDoNotExistAreRejected() {
        assertThat(Rfc3339.isValid("2024-02-29T00:00:00Z")).as("2024 is a leap year").isTrue();
        assertThat(Rfc3339.isValid("2000-02-29T00:00:00Z")).as("2000: divisible by 400").isTrue();
        assertThat(Rfc3339.isValid("2025-02-29T00:00:00Z")).isFalse();
        assertThat(Rfc3339.isValid("1900-02-29T00:00:00Z")).as("1900: divisible by 100, not 400").isFalse();
        for (String d : new String[] {"2025-02-30", "2025-02-31", "2024-02-30", "2025-04-31", "2025-06-31", "2025-09-31",
            "2025-11-31", "2025-01-32", "2025-01-00", "2025-00-10", "2025-13-01"}) {
            assertThat(Rfc3339.isValid(d + "T12:00:00Z")).as(d).isFalse();
        }
        for (String d : new String[] {"2025-01-31", "2025-03-31", "2025-04-30", "2025-12-31", "2025-02-28", "0000-02-29"}) {
            assertThat(Rfc3339.isValid(d + "T12:00:00Z")).as(d).isTrue();
        }
        assertThat(Rfc3339.problem("2025-02-31T00:00:00Z")).isEqualTo("2025-02-31 does not exist (February 2025 has 28 days)");
        assertThat(Rfc3339.problem("2025-04-31T00:00:00Z")).isEqualTo("2025-04-31 does not exist (April 2025 has 30 days)");
        assertThat(Rfc3339.problem("2025-13-01T00:00:00Z")).isEqualTo("month 13 does not exist");
        assertThatThrownBy(() -> epochSecond("2025-02-31T00:00:00Z")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2025-02-31 does not exist");
    }

    @Test
    void everyDayOfMonthAgreesWithJavaTime() {
        // around the century rules (1900 no, 2000 yes, 2100 no, 2400 yes) and the years records carry
        int[] years = java.util.stream.IntStream.concat(java.util.stream.IntStream.rangeClosed(1896, 2040),
                java.util.stream.IntStream.of(2096, 2100, 2104, 2396, 2400, 2404)).toArray();
        List<String> wrong = new ArrayList<>();
        for (int year : years) {
            for (int month = 1; month <= 12; month++) {
                for (int day = 0; day <= 32; day++) {
                    String s = String.format("%04d-%02d-%02dT00:00:00Z", year, month, day);
                    boolean exists;
                    try {
                        LocalDate.of(year, month, day);
                        exists = true;
                    } catch (DateTimeException e) {
                        exists = false;
                    }
                    if (Rfc3339.isValid(s) != exists || (exists && epochSecond(s) != Instant.parse(s).getEpochSecond())) {
                        wrong.add(s);
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void clockFieldsAndOffsetsInRange() {
        assertThat(Rfc3339.isValid("2025-12-10T23:59:59.999999999Z")).isTrue();
        assertThat(Rfc3339.isValid("2025-12-10T00:00:00+23:59")).isTrue();
        assertThat(Rfc3339.isValid("2025-12-10T00:00:00-23:59")).isTrue();
        assertThat(Rfc3339.isValid("2025-12-10T00:00:00-00:00")).isTrue();
        assertThat(Rfc3339.problem("2025-12-10T24:00:00Z")).isEqualTo("hour 24 is out of range (00-23)");
        assertThat(Rfc3339.problem("2025-12-10T12:60:00Z")).isEqualTo("minute 60 is out of range (00-59)");
        assertThat(Rfc3339.problem("2025-12-10T12:00:61Z")).startsWith("second 61 is out of range");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00+24:00")).isEqualTo("offset +24:00 is out of range (at most +23:59 / -23:59)");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00-05:60")).startsWith("offset -05:60 is out of range");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00.1234567890Z")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00ZZ")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00.Z")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10T12:00:00+0200")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10X12:00:00Z")).startsWith("not of the form");
        assertThat(Rfc3339.problem("２025-12-10T12:00:00Z")).as("a non-Latin-1 digit").startsWith("not of the form");
        assertThat(Rfc3339.problem("yesterday")).startsWith("not of the form");
        assertThat(Rfc3339.problem("")).startsWith("not of the form");
        assertThat(Rfc3339.problem("2025-12-10t12:00:00z")).isNull();
        assertThat(Rfc3339.problem("2025-12-10 12:00:00Z")).isNull();
    }

    /** Decided: 23:59:60 UTC (any day, no leap-second table) is taken, as 23:59:59 with its fraction, like Instant.parse. */
    @Test
    void aLeapSecondOnlyAt235960Utc() {
        assertThat(epochSecond("2016-12-31T23:59:60Z")).isEqualTo(Instant.parse("2016-12-31T23:59:59Z").getEpochSecond());
        assertThat(nanos("2016-12-31T23:59:60.5Z")).isEqualTo(500_000_000);
        assertThat(epochSecond("2017-01-01T01:59:60+02:00")).as("23:59:60 UTC in local time")
                .isEqualTo(Instant.parse("2016-12-31T23:59:59Z").getEpochSecond());
        assertThat(epochSecond("2016-12-31T18:29:60-05:30")).isEqualTo(Instant.parse("2016-12-31T23:59:59Z").getEpochSecond());
        assertThat(Rfc3339.isValid("2016-12-31T12:59:60Z")).isFalse();
        assertThat(Rfc3339.isValid("2016-12-31T23:58:60Z")).isFalse();
        assertThat(Rfc3339.isValid("2016-12-31T23:59:60+01:00")).as("22:59:60 UTC").isFalse();
    }

    /** Random valid times of years 0000-9999, any fraction length, offsets up to ±23:59 (java.time stops at ±18:00). */
    @Test
    void instantsAgreeWithJavaTime() {
        Random r = new Random(11);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            int year = r.nextInt(10_000);
            int month = 1 + r.nextInt(12);
            int day = 1 + r.nextInt(LocalDate.of(year, month, 1).lengthOfMonth());
            LocalDateTime local = LocalDateTime.of(year, month, day, r.nextInt(24), r.nextInt(60), r.nextInt(60));
            int digits = r.nextInt(10);
            StringBuilder frac = new StringBuilder();
            for (int k = 0; k < digits; k++) {
                frac.append((char) ('0' + r.nextInt(10)));
            }
            int offset = r.nextInt(4) == 0 ? 0 : r.nextInt(2 * 1439 + 1) - 1439;
            String zone = offset == 0 && r.nextBoolean() ? "Z"
                    : String.format("%s%02d:%02d", offset < 0 ? "-" : "+", Math.abs(offset) / 60, Math.abs(offset) % 60);
            String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, month, day, local.getHour(), local.getMinute(),
                    local.getSecond(), digits == 0 ? "" : "." + frac, zone);
            int expectedNanos = digits == 0 ? 0 : Integer.parseInt((frac + "000000000").substring(0, 9));
            if (!Rfc3339.isValid(s) || epochSecond(s) != local.toEpochSecond(ZoneOffset.UTC) - offset * 60L
                    || nanos(s) != expectedNanos) {
                wrong.add(s);
            }
            if (Math.abs(offset) <= 18 * 60) {
                Instant java = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
                if (epochSecond(s) != java.getEpochSecond() || nanos(s) != java.getNano()) {
                    wrong.add(s + " (java.time: " + java + ")");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void bytesInsideALargerArray() {
        String text = "\"time\":\"2025-02-29T00:00:00Z\",\"t\":\"2024-02-29T00:00:00.25+01:00\"";
        byte[] b = Rfc3339.latin1(text);
        int first = text.indexOf("2025");
        int second = text.indexOf("2024");
        assertThat(Rfc3339.isValid(b, first, first + 20)).isFalse();
        assertThat(Rfc3339.isValid(b, second, second + 28)).isTrue();
        assertThat(Rfc3339.isValid(b, second, second + 27)).isFalse();
        assertThat(Rfc3339.epochSecond(b, second, second + 28)).isEqualTo(Instant.parse("2024-02-28T23:00:00Z").getEpochSecond());
        assertThat(Rfc3339.nanos(b, second, second + 28)).isEqualTo(250_000_000);
    }
}
