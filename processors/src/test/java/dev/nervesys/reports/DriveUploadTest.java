package dev.nervesys.reports;

import dev.nervesys.alerts.AlertService;
import dev.nervesys.alerts.AlertsConfig;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real routes/reports.camel.yaml and the real Google Drive client library (camel-google-drive
 * with our client factory) against {@link FakeDrive}: folders created once, multipart and
 * resumable uploads with the right names, parents, types and bytes, a re-run replacing the day's
 * files, and an outage retried with backoff, alerted, kept locally and uploaded later.
 */
class DriveUploadTest {

    static HeartbeatFixture db;
    static FakeDrive drive;
    @TempDir
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        db = new HeartbeatFixture();
        db.fill(Instant.parse("2025-12-10T00:00:00Z"), 6, 1440);
        drive = new FakeDrive();
    }

    @AfterAll
    static void tearDown() throws Exception {
        drive.close();
        db.close();
    }

    @Test
    void uploadsReplacesAndRetries() throws Exception {
        TestSettings s = new TestSettings(data)
                .set("nervesys.reports.source.url", db.url)
                .set("nervesys.reports.timeZone", "UTC")
                .set("nervesys.reports.drive.rootUrl", drive.rootUrl())
                .set("nervesys.reports.drive.tokenUrl", drive.tokenUrl())
                .set("nervesys.reports.drive.multipartMaxBytes", "64KB")
                .set("nervesys.reports.drive.chunkBytes", "256KB").set("nervesys.reports.retry.everyMs", "1500")
                .env("NERVESYS_POSTGRES_USER", "postgres")
                .env("NERVESYS_DRIVE_CLIENT_ID", "client-1")
                .env("NERVESYS_DRIVE_CLIENT_SECRET", "client-secret")
                .env("NERVESYS_DRIVE_REFRESH_TOKEN", "rt-secret");
        Map<String, Object> beans = new java.util.LinkedHashMap<>(new ReportsBeans().beans(s));
        AlertService alertService = new AlertService(AlertsConfig.defaults(), "test-agent", "test-server", "n@localhost", Instant::now);
        beans.put("alerts", alertService);
        Properties props = new Properties();
        props.setProperty("nervesys.reports.retry.maxRedeliveries", "2");
        props.setProperty("nervesys.reports.retry.delayMs", "50");
        props.setProperty("nervesys.reports.retry.everyMs", "1500");
        props.setProperty("nervesys.reports.alertUri", "direct:test-alerts");
        List<String> alerts = new CopyOnWriteArrayList<>();
        try (CamelContext ctx = new DefaultCamelContext()) {
            beans.forEach(ctx.getRegistry()::bind);
            ctx.getPropertiesComponent().setInitialProperties(dev.nervesys.buffer.TestSettings.routeProperties(props));
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:test-alerts").routeId("test-alerts")
                            .process(e -> alerts.add(e.getMessage().getBody(String.class) + " | "
                                    + e.getMessage().getHeader(AlertService.RULE) + " | " + e.getMessage().getHeader(AlertService.LABEL)
                                    + " | " + e.getMessage().getHeader(AlertService.REASON)))
                            .to("bean:alerts?method=external");
                }
            });
            PluginHelper.getRoutesLoader(ctx).loadRoutes(ResourceHelper.fromString("reports.camel.yaml",
                    Files.readString(DataPathHarness.routesDir().resolve("reports.camel.yaml"))));
            ctx.start();
            ProducerTemplate t = ctx.createProducerTemplate();

            t.sendBody("direct:report-day", "2025-12-10");
            FakeDrive.StoredFile top = drive.folder("OWAL AI Reports", "root");
            assertThat(top).isNotNull();
            FakeDrive.StoredFile daily = drive.folder("Daily", top.id());
            assertThat(daily).isNotNull();
            List<FakeDrive.StoredFile> first = drive.in(daily.id());
            assertThat(first).as(String.join("\n", drive.requests)).extracting(FakeDrive.StoredFile::name)
                    .containsExactlyInAnyOrder("2025-12-10_summary.pdf", "2025-12-10_metrics.xlsx", "2025-12-10_agents.csv");
            Path local = data.resolve("reports").resolve("Daily");
            boolean multipart = false;
            boolean resumable = false;
            for (FakeDrive.StoredFile f : first) {
                byte[] bytes = Files.readAllBytes(local.resolve(f.name()));
                assertThat(f.bytes()).as(f.name()).isEqualTo(bytes);
                assertThat(f.mimeType()).isEqualTo(DriveDelivery.mimeType(f.name()));
                assertThat(f.uploadType()).as(f.name() + " of " + bytes.length + " bytes")
                        .isEqualTo(bytes.length <= 64 * 1024 ? "multipart" : "resumable");
                multipart |= f.uploadType().equals("multipart");
                resumable |= f.uploadType().equals("resumable");
            }
            assertThat(multipart).isTrue();
            assertThat(resumable).isTrue();
            assertThat(new String(first.stream().filter(f -> f.name().endsWith(".pdf")).findFirst().orElseThrow().bytes(), 0, 5))
                    .isEqualTo("%PDF-");
            assertThat(drive.tokenRequests.get()).isEqualTo(1);
            assertThat(pending()).isEmpty();

            // a re-run of the day replaces the three files instead of adding copies; folders are reused
            t.sendBody("direct:report-day", "2025-12-10");
            List<FakeDrive.StoredFile> second = drive.in(daily.id());
            assertThat(second).extracting(FakeDrive.StoredFile::name)
                    .containsExactlyInAnyOrder("2025-12-10_summary.pdf", "2025-12-10_metrics.xlsx", "2025-12-10_agents.csv");
            assertThat(second).extracting(FakeDrive.StoredFile::id).doesNotContainAnyElementsOf(first.stream().map(FakeDrive.StoredFile::id).toList());
            assertThat(drive.deleted).containsExactlyInAnyOrderElementsOf(first.stream().map(FakeDrive.StoredFile::id).toList());
            assertThat(drive.in(top.id())).hasSize(1);
            assertThat(drive.in("root")).hasSize(1);

            // Drive down: retried with backoff, alerted, kept locally as pending, uploaded when it is back
            drive.failUploads = true;
            t.sendBody("direct:report-day", "2025-12-09");
            assertThat(alerts).isNotEmpty();
            assertThat(alerts.get(0)).startsWith("Report upload to Google Drive failed: HTTP 503")
                    .contains("| report-upload-failed | critical | upload of 2025-12-09_summary.pdf").doesNotContain("rt-secret");
            // the alerts capability: one open alert for the outage (the three files share its fingerprint)
            assertThat(alertService.openAlerts()).singleElement().satisfies(a -> {
                assertThat(a.get("rule")).isEqualTo("report-upload-failed");
                assertThat(a.get("label")).isEqualTo("critical");
                assertThat((Long) a.get("count")).isGreaterThanOrEqualTo(3L);
            });
            assertThat(drive.requests.stream().filter(r -> r.startsWith("POST /upload")).count()).isGreaterThanOrEqualTo(3 + 3 + 3 * 3);
            assertThat(pending()).contains("2025-12-09_summary.pdf", "2025-12-09_metrics.xlsx", "2025-12-09_agents.csv");
            assertThat(((ReportStatus) beans.get("reportStatus")).status().get("lastUploadError").toString()).contains("503");
            drive.failUploads = false;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(pending()).isEmpty();
                assertThat(drive.in(daily.id())).extracting(FakeDrive.StoredFile::name).contains("2025-12-09_summary.pdf",
                        "2025-12-09_metrics.xlsx", "2025-12-09_agents.csv");
            });
            assertThat(drive.in(daily.id())).hasSize(6);
            assertThat(Files.exists(local.resolve("2025-12-09_summary.pdf"))).isTrue();
            assertThat(((ReportStatus) beans.get("reportStatus")).status().get("lastUploadError")).isEqualTo("");
        }
    }

    static List<String> pending() throws Exception {
        Path p = data.resolve("reports").resolve(".pending");
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).map(x -> x.getFileName().toString()).toList();
        }
    }
}
