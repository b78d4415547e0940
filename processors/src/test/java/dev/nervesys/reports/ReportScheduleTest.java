package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quartz triggers of routes/reports.camel.yaml, with their default crons, are set in the
 * report time zone, and firing both at once (as they do on Sundays at 23:55) delivers the day's
 * and the week's reports (to the fake Drive through the real Google client) into one folder tree:
 * the concurrent uploads once created the top folder twice.
 *
 * <p>Nothing here waits for a wall-clock time: the triggers' next fire times are read from the
 * Quartz scheduler and checked as wall-clock times of a zone 14 hours ahead of UTC (a trigger
 * evaluated in UTC would fire at 13:55 there), then both jobs are fired at once through the
 * scheduler. Which day and week the reports cover comes from the service's clock, fixed on the
 * last day of a 53-week year (ReportCalendarTest covers the other boundaries).
 */
class ReportScheduleTest {

    @TempDir
    Path data;

    @Test
    void dailyAndWeeklyCronTriggersDeliverTodaysReports() throws Exception {
        ZoneId zone = ZoneId.of("Pacific/Kiritimati");
        // Thursday 2026-12-31 23:50 in Kiritimati: the day is 2026-12-31, the week Week_53_2026
        Instant now = Instant.parse("2026-12-31T09:50:00Z");
        try (HeartbeatFixture db = new HeartbeatFixture(); FakeDrive drive = new FakeDrive()) {
            db.fill(now.minus(Duration.ofHours(2)), 3, 60);
            TestSettings s = new TestSettings(data).clock(Clock.fixed(now, ZoneOffset.UTC))
                    .set("nervesys.reports.source.url", db.url)
                    .set("nervesys.reports.timeZone", zone.getId())
                    .set("nervesys.reports.drive.rootUrl", drive.rootUrl())
                    .set("nervesys.reports.drive.tokenUrl", drive.tokenUrl())
                    .env("NERVESYS_POSTGRES_USER", "postgres")
                    .env("NERVESYS_DRIVE_CLIENT_ID", "client-1")
                    .env("NERVESYS_DRIVE_CLIENT_SECRET", "client-secret")
                    .env("NERVESYS_DRIVE_REFRESH_TOKEN", "rt-secret");
            Properties props = new Properties();
            props.setProperty("nervesys.reports.timeZone", zone.getId());
            props.setProperty("nervesys.reports.alertUri", "direct:test-alerts");
            List<String> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (CamelContext ctx = new DefaultCamelContext()) {
                new ReportsBeans().beans(s).forEach(ctx.getRegistry()::bind);
                ctx.getPropertiesComponent().setInitialProperties(dev.nervesys.buffer.TestSettings.routeProperties(props));
                ctx.addRoutes(new org.apache.camel.builder.RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:test-alerts").routeId("test-alerts").process(e -> alerts.add(e.getMessage().getBody(String.class)));
                    }
                });
                PluginHelper.getRoutesLoader(ctx).loadRoutes(ResourceHelper.fromString("reports.camel.yaml",
                        Files.readString(DataPathHarness.routesDir().resolve("reports.camel.yaml"))));
                ctx.start();

                org.quartz.Scheduler scheduler = ctx.getComponent("quartz", org.apache.camel.component.quartz.QuartzComponent.class).getScheduler();
                org.quartz.CronTrigger dailyTrigger = (org.quartz.CronTrigger) scheduler.getTrigger(new org.quartz.TriggerKey("daily", "nervesys-reports"));
                org.quartz.CronTrigger weeklyTrigger = (org.quartz.CronTrigger) scheduler.getTrigger(new org.quartz.TriggerKey("weekly", "nervesys-reports"));
                assertThat(dailyTrigger.getTimeZone().getID()).isEqualTo(zone.getId());
                assertThat(weeklyTrigger.getTimeZone().getID()).isEqualTo(zone.getId());
                java.time.ZonedDateTime nextDaily = dailyTrigger.getNextFireTime().toInstant().atZone(zone);
                java.time.ZonedDateTime nextWeekly = weeklyTrigger.getNextFireTime().toInstant().atZone(zone);
                assertThat(nextDaily.toLocalTime()).isEqualTo(java.time.LocalTime.of(23, 55));
                assertThat(nextWeekly.toLocalTime()).isEqualTo(java.time.LocalTime.of(23, 55));
                assertThat(nextWeekly.getDayOfWeek()).isEqualTo(java.time.DayOfWeek.SUNDAY);
                // the daily trigger after that is the next day at the same local time
                java.time.ZonedDateTime dailyAfter = dailyTrigger.getFireTimeAfter(dailyTrigger.getNextFireTime()).toInstant().atZone(zone);
                assertThat(dailyAfter).isEqualTo(nextDaily.plusDays(1));

                // both fire at once, as on Sundays
                scheduler.triggerJob(dailyTrigger.getJobKey());
                scheduler.triggerJob(weeklyTrigger.getJobKey());

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    FakeDrive.StoredFile top = drive.folder("OWAL AI Reports", "root");
                    assertThat(top).as(String.join("\n", drive.requests)).isNotNull();
                    FakeDrive.StoredFile daily = drive.folder("Daily", top.id());
                    FakeDrive.StoredFile weekly = drive.folder("Weekly", top.id());
                    assertThat(daily).as("Daily under the one top folder").isNotNull();
                    assertThat(weekly).as("Weekly under the one top folder").isNotNull();
                    assertThat(drive.in("root")).as("one top folder").hasSize(1);
                    List<String> dailyNames = drive.in(daily.id()).stream().map(FakeDrive.StoredFile::name).toList();
                    List<String> weeklyNames = drive.in(weekly.id()).stream().map(FakeDrive.StoredFile::name).toList();
                    assertThat(dailyNames).containsExactlyInAnyOrder(
                            "2026-12-31_summary.pdf", "2026-12-31_metrics.xlsx", "2026-12-31_agents.csv");
                    assertThat(weeklyNames).containsExactlyInAnyOrder(
                            "Week_53_2026.pdf", "Week_53_2026_metrics.xlsx", "Week_53_2026_agents.csv");
                });
                assertThat(alerts).as("no upload failed").isEmpty();
            }
        }
    }
}
