package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload slower than the retry interval (a slow Drive, or a busy machine: found as a flaky
 * ReportsEndToEndTest under load) must not be started a second time by the retry timer while it
 * is under way: each file is uploaded once, nothing is created twice and nothing deleted.
 */
class DriveUploadOverlapTest {

    @TempDir
    Path data;

    @Test
    void theRetryTimerLeavesAnUploadUnderWayAlone() throws Exception {
        try (HeartbeatFixture db = new HeartbeatFixture(); FakeDrive drive = new FakeDrive()) {
            db.fill(Instant.parse("2025-12-10T00:00:00Z"), 2, 60);
            TestSettings s = new TestSettings(data)
                    .set("nervesys.reports.source.url", db.url)
                    .set("nervesys.reports.timeZone", "UTC")
                    .set("nervesys.reports.drive.rootUrl", drive.rootUrl())
                    .set("nervesys.reports.drive.tokenUrl", drive.tokenUrl())
                    .set("nervesys.reports.retry.everyMs", "200")
                    .env("NERVESYS_POSTGRES_USER", "postgres")
                    .env("NERVESYS_DRIVE_CLIENT_ID", "client-1")
                    .env("NERVESYS_DRIVE_CLIENT_SECRET", "client-secret")
                    .env("NERVESYS_DRIVE_REFRESH_TOKEN", "rt-secret");
            Properties props = new Properties();
            props.setProperty("nervesys.reports.retry.everyMs", "200");
            props.setProperty("nervesys.reports.alertUri", "direct:test-alerts");
            List<String> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (CamelContext ctx = new DefaultCamelContext()) {
                new ReportsBeans().beans(s).forEach(ctx.getRegistry()::bind);
                ctx.getPropertiesComponent().setInitialProperties(dev.nervesys.buffer.TestSettings.routeProperties(props));
                ctx.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:test-alerts").routeId("test-alerts").process(e -> alerts.add(e.getMessage().getBody(String.class)));
                    }
                });
                PluginHelper.getRoutesLoader(ctx).loadRoutes(ResourceHelper.fromString("reports.camel.yaml",
                        Files.readString(DataPathHarness.routesDir().resolve("reports.camel.yaml"))));
                ctx.start();
                // every upload takes 1.2 s: the retry timer (every 0.2 s) sees each file's marker
                // older than its interval while the report run is still uploading it
                drive.uploadDelayMillis = 1200;
                ctx.createProducerTemplate().sendBody("direct:report-day", "2025-12-10");
                // give the retry timer several rounds after the run: a second upload would show here
                Thread.sleep(2500);
                await().atMost(Duration.ofSeconds(30)).until(() -> pending(data).isEmpty());
                FakeDrive.StoredFile top = drive.folder("OWAL AI Reports", "root");
                FakeDrive.StoredFile daily = drive.folder("Daily", top.id());
                assertThat(drive.in(daily.id())).extracting(FakeDrive.StoredFile::name)
                        .containsExactlyInAnyOrder("2025-12-10_summary.pdf", "2025-12-10_metrics.xlsx", "2025-12-10_agents.csv");
                assertThat(drive.deleted).as("nothing uploaded twice and replaced").isEmpty();
                assertThat(drive.requests.stream().filter(r -> r.startsWith("POST /upload")).count())
                        .as(String.join("\n", drive.requests)).isEqualTo(3);
                assertThat(alerts).isEmpty();
            }
        }
    }

    static List<String> pending(Path data) throws Exception {
        Path p = data.resolve("reports").resolve(".pending");
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (var walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).map(x -> x.getFileName().toString()).toList();
        }
    }
}
