package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.TestSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which day and which week a report covers, read from fixed clocks: either side of the end of a
 * week, of a year whose last ISO week is 53 (2026) and of one whose last days belong to week 1 of
 * the next (2024), and across both daylight-saving changes of a zone that has them. Nothing here
 * reads the machine's date or zone.
 */
class ReportCalendarTest {

    @TempDir
    Path data;

    ReportService at(String instant, String zone) {
        TestSettings s = new TestSettings(data).set("nervesys.reports.timeZone", zone)
                .clock(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
        return new ReportService(ReportSettings.from(s), new ReportStatus(false, s.clock()), s.clock());
    }

    @ParameterizedTest(name = "{0} in {1}: day {2}, week {3}")
    @CsvSource({
            // the last second of a Sunday and the first of the Monday after, in UTC
            "2026-12-06T23:59:59Z, UTC, 2026-12-06, Week_49_2026",
            "2026-12-07T00:00:00Z, UTC, 2026-12-07, Week_50_2026",
            // the same instant is Sunday in UTC and already Monday 14 hours ahead
            "2026-12-06T12:00:00Z, Pacific/Kiritimati, 2026-12-07, Week_50_2026",
            "2026-12-06T12:00:00Z, America/Los_Angeles, 2026-12-06, Week_49_2026",
            // 2026 has 53 ISO weeks: its last days and the first days of 2027 are week 53 of 2026
            "2026-12-31T23:59:59Z, UTC, 2026-12-31, Week_53_2026",
            "2027-01-01T00:00:00Z, UTC, 2027-01-01, Week_53_2026",
            "2027-01-03T23:59:59Z, UTC, 2027-01-03, Week_53_2026",
            "2027-01-04T00:00:00Z, UTC, 2027-01-04, Week_01_2027",
            // 2024 ends in week 1 of 2025
            "2024-12-29T12:00:00Z, UTC, 2024-12-29, Week_52_2024",
            "2024-12-30T12:00:00Z, UTC, 2024-12-30, Week_01_2025",
            // New Year's Eve in UTC is already New Year's Day in Kiritimati
            "2026-12-31T10:00:00Z, Pacific/Kiritimati, 2027-01-01, Week_53_2026",
    })
    void dayAndWeekOfNow(String now, String zone, String day, String week) {
        ReportService service = at(now, zone);
        assertThat(service.today().label()).isEqualTo(day);
        assertThat(service.today().pdfName()).isEqualTo(day + "_summary.pdf");
        assertThat(service.thisWeek().label()).isEqualTo(week);
        assertThat(service.thisWeek().pdfName()).isEqualTo(week + ".pdf");
        // the period holds "now": the report of today is never the one of another day
        Instant instant = Instant.parse(now);
        assertThat(service.today().from()).isBeforeOrEqualTo(instant);
        assertThat(service.today().to()).isAfter(instant);
        assertThat(service.thisWeek().from()).isBeforeOrEqualTo(instant);
        assertThat(service.thisWeek().to()).isAfter(instant);
    }

    @Test
    void daylightSavingDaysAreTwentyThreeAndTwentyFiveHoursLong() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // clocks go forward at 02:00 on 2026-03-29 and back at 03:00 on 2026-10-25
        ReportService spring = at("2026-03-29T10:00:00Z", "Europe/Berlin");
        ReportPeriod springDay = spring.today();
        assertThat(springDay.label()).isEqualTo("2026-03-29");
        assertThat(springDay.from()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
        assertThat(springDay.to()).isEqualTo(Instant.parse("2026-03-29T22:00:00Z"));
        assertThat(Duration.between(springDay.from(), springDay.to())).isEqualTo(Duration.ofHours(23));
        assertThat(springDay.buckets()).isEqualTo(23 * 6);
        ReportPeriod springWeek = spring.thisWeek();
        assertThat(springWeek.label()).isEqualTo("Week_13_2026");
        assertThat(Duration.between(springWeek.from(), springWeek.to())).isEqualTo(Duration.ofHours(7 * 24 - 1));
        assertThat(springWeek.buckets()).isEqualTo(7 * 24 - 1);

        ReportPeriod autumnDay = at("2026-10-25T10:00:00Z", "Europe/Berlin").today();
        assertThat(autumnDay.label()).isEqualTo("2026-10-25");
        assertThat(autumnDay.from()).isEqualTo(Instant.parse("2026-10-24T22:00:00Z"));
        assertThat(autumnDay.to()).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
        assertThat(autumnDay.buckets()).isEqualTo(25 * 6);

        // the day before and after the change are 24 hours, starting at local midnight
        ReportPeriod before = ReportPeriod.day(LocalDate.of(2026, 10, 24), berlin);
        assertThat(Duration.between(before.from(), before.to())).isEqualTo(Duration.ofHours(24));
        assertThat(before.to()).isEqualTo(autumnDay.from());
    }

    @Test
    void anUnsetTimeZoneIsUtcNotTheMachinesZone() {
        TestSettings s = new TestSettings(data);
        assertThat(ReportSettings.from(s).zone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void alertsReportRunsFromLocalMidnightToNow() {
        Instant now = Instant.parse("2026-03-29T10:17:42Z");
        ReportPeriod p = ReportPeriod.alerts(now, ZoneId.of("Europe/Berlin"));
        assertThat(p.label()).isEqualTo("2026-03-29_12-17");
        assertThat(p.from()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
        assertThat(p.to()).isEqualTo(now);
    }
}
