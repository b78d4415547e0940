package dev.nervesys.reports;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;

/**
 * The time window a report covers, in the configured time zone, and the names it is filed under:
 * {@code 2025-12-10_summary.pdf} in {@code Daily}, {@code Week_50_2025.pdf} in {@code Weekly},
 * {@code 2025-12-10_14-32_alerts.pdf} in {@code Alerts}.
 *
 * @param kind        daily, weekly or alerts
 * @param from        first instant, inclusive
 * @param to          last instant, exclusive
 * @param zone        the zone the day or week is taken in
 * @param label       what the file names start with
 * @param bucketSeconds width of one point of the fleet charts
 */
public record ReportPeriod(Kind kind, Instant from, Instant to, ZoneId zone, String label, int bucketSeconds) {

    public enum Kind { DAILY, WEEKLY, ALERTS }

    public static ReportPeriod day(LocalDate day, ZoneId zone) {
        return new ReportPeriod(Kind.DAILY, day.atStartOfDay(zone).toInstant(), day.plusDays(1).atStartOfDay(zone).toInstant(),
                zone, day.toString(), 600);
    }

    /** The ISO week (Monday to Sunday) that holds {@code anyDay}. */
    public static ReportPeriod week(LocalDate anyDay, ZoneId zone) {
        LocalDate monday = anyDay.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        int week = monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        int year = monday.get(IsoFields.WEEK_BASED_YEAR);
        return new ReportPeriod(Kind.WEEKLY, monday.atStartOfDay(zone).toInstant(),
                monday.plusDays(7).atStartOfDay(zone).toInstant(), zone, String.format("Week_%02d_%d", week, year), 3600);
    }

    /** From the start of the day of {@code now} until {@code now}: the context of a critical alert. */
    public static ReportPeriod alerts(Instant now, ZoneId zone) {
        ZonedDateTime z = now.atZone(zone);
        return new ReportPeriod(Kind.ALERTS, z.toLocalDate().atStartOfDay(zone).toInstant(), now, zone,
                z.format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm")), 600);
    }

    public int buckets() {
        long seconds = to.getEpochSecond() - from.getEpochSecond();
        return (int) Math.max(1, (seconds + bucketSeconds - 1) / bucketSeconds);
    }

    public String pdfName() {
        return switch (kind) {
            case DAILY -> label + "_summary.pdf";
            case WEEKLY -> label + ".pdf";
            case ALERTS -> label + "_alerts.pdf";
        };
    }

    public String xlsxName() {
        return kind == Kind.ALERTS ? label + "_alerts.xlsx" : label + "_metrics.xlsx";
    }

    public String csvName() {
        return kind == Kind.ALERTS ? label + "_alerts.csv" : label + "_agents.csv";
    }

    public String title() {
        return switch (kind) {
            case DAILY -> "Daily fleet report " + label;
            case WEEKLY -> "Weekly fleet report " + label.replace('_', ' ');
            case ALERTS -> "Critical alert report " + label.replace('_', ' ');
        };
    }
}
