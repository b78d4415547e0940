package dev.nervesys.bootstrap.it.reports;

import dev.nervesys.reports.FakeDrive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.reports.DriveDelivery;
import dev.nervesys.reports.ReportPeriod;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reports through the real runtime: an agent started from a bare Git repository holding the real
 * routes (heartbeat, alerts, reports), config/alerts.yaml and the orchestrator overlay that
 * switches reports on, writing heartbeats to a PostgreSQL database of the test's own. The day's
 * report is asked for on direct:report-day and uploaded through the real Google client to
 * {@link FakeDrive}: folders, names, parents, MIME types and contents (the workbook's figures
 * against SQL). A re-run replaces the files. Then Drive answers 503: the files stay pending
 * locally, the failure is an alert of the alerts capability (the webhook of config/alerts.yaml
 * receives it, the heartbeat lists it, alert_history has it), and the retry route uploads them
 * when Drive is back.
 */
class ReportsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    @TempDir
    Path tmp;
    private Agent agent;
    private HttpServer hook;
    private FakeDrive drive;
    private PgDatabase db;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (hook != null) {
            hook.stop(0);
        }
        if (drive != null) {
            drive.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void heartbeatsToReportOnDriveReplacedAndRecoveredAfterAnOutage() throws Exception {
        db = new PgDatabase();
        drive = new FakeDrive();
        List<String> webhook = new CopyOnWriteArrayList<>();
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            webhook.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();

        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/heartbeat.camel.yaml", "routes/alerts.camel.yaml", "routes/reports.camel.yaml",
                "config/thresholds.yaml", "config/classifier/critical.txt", "config/classifier/normal.txt", "config/alerts.yaml",
                "config/agents/orchestrator.properties");
        repo.write("config/application.properties", String.join("\n",
                "nervesys.postgres.url=" + db.url(),
                "nervesys.heartbeat.interval=300ms", "nervesys.heartbeat.flushEvery=200ms", "nervesys.heartbeat.firstDelay=0s",
                "nervesys.alerts.dispatchEvery=100ms",
                "nervesys.reports.timeZone=UTC",
                "nervesys.reports.drive.rootUrl=" + drive.rootUrl(), "nervesys.reports.drive.tokenUrl=" + drive.tokenUrl(),
                "nervesys.reports.drive.multipartMaxBytes=64KB", "nervesys.reports.drive.chunkBytes=256KB",
                "nervesys.reports.retry.maxRedeliveries=1", "nervesys.reports.retry.delayMs=50",
                "nervesys.reports.retry.everyMs=1500",
                // no critical-watch alerts report while the test runs (a busy host can make beats critical)
                "nervesys.reports.alerts.checkEveryMs=3600000", ""));
        repo.commit("orchestrator with reports");

        int mgmt = TestAgents.freePort();
        Path data = tmp.resolve("data");
        Properties flags = TestAgents.flags("orchestrator", data, repo.uri(), mgmt);
        agent = TestAgents.start(flags, Map.of("NERVESYS_POSTGRES_USER", "postgres",
                "NERVESYS_DRIVE_CLIENT_ID", "client-1", "NERVESYS_DRIVE_CLIENT_SECRET", "client-secret",
                "NERVESYS_DRIVE_REFRESH_TOKEN", "rt-secret",
                "NERVESYS_ALERTS_WEBHOOK_URL", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"));
        assertThat(agent.routeIds()).contains("heartbeat-beat", "heartbeat-flush", "alerts-dispatch", "alerts-history",
                "report-daily", "report-weekly", "report-day", "report-upload", "report-upload-retry");

        // the agent's own heartbeats, plus two more agents of the fleet written into the same table
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM agent_status WHERE agent_id = 'orchestrator'") >= 5);
        LocalDate day;
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT min(ts) FROM agent_status")) {
            rs.next();
            day = rs.getObject(1, java.time.OffsetDateTime.class).atZoneSameInstant(ZoneOffset.UTC).toLocalDate();
        }
        try (Connection c = db.connect()) {
            ReportChecks.insertBeats(c, false, day, 2, 0);
        }
        // freeze the table: no new beat, the spool drained into the database
        agent.context().getRouteController().stopRoute("heartbeat-beat");
        await().atMost(Duration.ofSeconds(30)).until(() -> spooled() == 0);

        ProducerTemplate t = agent.context().createProducerTemplate();
        String d = day.toString();
        t.requestBody("direct:report-day", d);

        FakeDrive.StoredFile top = drive.folder("OWAL AI Reports", "root");
        assertThat(top).as(String.join("\n", drive.requests)).isNotNull();
        FakeDrive.StoredFile daily = drive.folder("Daily", top.id());
        assertThat(daily).isNotNull();
        List<FakeDrive.StoredFile> first = drive.in(daily.id());
        assertThat(first).extracting(FakeDrive.StoredFile::name)
                .containsExactlyInAnyOrder(d + "_summary.pdf", d + "_metrics.xlsx", d + "_agents.csv");
        assertThat(first).allSatisfy(f -> assertThat(f.parent()).isEqualTo(daily.id()));
        Path local = data.resolve("reports").resolve("Daily");
        for (FakeDrive.StoredFile f : first) {
            assertThat(f.bytes()).as(f.name()).isEqualTo(Files.readAllBytes(local.resolve(f.name())));
            assertThat(f.mimeType()).isEqualTo(f.name().endsWith(".pdf") ? "application/pdf" : f.name().endsWith(".xlsx") ? XLSX : "text/csv");
        }
        List<String> agents;
        try (Connection c = db.connect()) {
            agents = ReportChecks.checkWorkbook(file(first, ".xlsx").bytes(), c, false, day);
        }
        assertThat(agents).containsExactly("edge-1", "edge-2", "orchestrator");
        ReportChecks.checkCsv(file(first, ".csv").bytes(), agents);
        ReportChecks.checkPdf(file(first, ".pdf").bytes(), tmp, ReportPeriod.day(day, ZoneOffset.UTC).title());
        assertThat(pending(data)).isEmpty();

        // a re-run of the same day replaces the three files; the folders are reused
        t.requestBody("direct:report-day", d);
        List<FakeDrive.StoredFile> second = drive.in(daily.id());
        assertThat(second).extracting(FakeDrive.StoredFile::name)
                .containsExactlyInAnyOrder(d + "_summary.pdf", d + "_metrics.xlsx", d + "_agents.csv");
        assertThat(second).extracting(FakeDrive.StoredFile::id).doesNotContainAnyElementsOf(first.stream().map(FakeDrive.StoredFile::id).toList());
        assertThat(drive.deleted).containsExactlyInAnyOrderElementsOf(first.stream().map(FakeDrive.StoredFile::id).toList());
        assertThat(drive.in(top.id())).hasSize(1);
        assertThat(drive.in("root")).hasSize(1);
        for (FakeDrive.StoredFile f : second) {
            assertThat(f.bytes()).as(f.name()).isEqualTo(Files.readAllBytes(local.resolve(f.name())));
            assertThat(f.mimeType()).isEqualTo(DriveDelivery.mimeType(f.name()));
        }

        // Drive down: kept locally and pending, an alert through the alerts capability, uploaded when Drive is back
        drive.failUploads = true;
        agent.context().getRouteController().startRoute("heartbeat-beat");
        t.requestBody("direct:report-day", d);
        assertThat(pending(data)).containsExactlyInAnyOrder(d + "_summary.pdf", d + "_metrics.xlsx", d + "_agents.csv");
        assertThat(local.resolve(d + "_metrics.xlsx")).exists();
        await().atMost(Duration.ofSeconds(30)).until(() -> !webhook.isEmpty());
        JsonNode alert = JSON.readTree(webhook.get(0));
        assertThat(alert.get("agent_id").asText()).isEqualTo("orchestrator");
        assertThat(alert.get("rule").asText()).isEqualTo("report-upload-failed");
        assertThat(alert.get("label").asText()).isEqualTo("critical");
        assertThat(alert.get("message").asText()).startsWith("Report upload to Google Drive failed: HTTP 503").doesNotContain("rt-secret");
        assertThat(alert.get("reason").asText()).startsWith("upload of " + d + "_");
        // the heartbeat lists the open alert; alert_history has it
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM agent_status WHERE agent_id = 'orchestrator'"
                + " AND alerts @> '[{\"rule\":\"report-upload-failed\"}]'") > 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM alert_history WHERE rule = 'report-upload-failed'"
                + " AND agent_id = 'orchestrator' AND status = 'sent'") == 1);
        String console = TestAgents.get(mgmt, "/q/dev/nervesys", null, null).body();
        assertThat(console).contains("HTTP 503");

        drive.failUploads = false;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(pending(data)).isEmpty();
            assertThat(drive.in(daily.id())).extracting(FakeDrive.StoredFile::name)
                    .containsExactlyInAnyOrder(d + "_summary.pdf", d + "_metrics.xlsx", d + "_agents.csv");
        });
        List<FakeDrive.StoredFile> third = drive.in(daily.id());
        assertThat(third).extracting(FakeDrive.StoredFile::id).doesNotContainAnyElementsOf(second.stream().map(FakeDrive.StoredFile::id).toList());
        for (FakeDrive.StoredFile f : third) {
            assertThat(f.bytes()).as(f.name()).isEqualTo(Files.readAllBytes(local.resolve(f.name())));
        }
        // "alerts raised" now comes from alert_history, which has the upload failure
        agent.context().getRouteController().stopRoute("heartbeat-beat");
        await().atMost(Duration.ofSeconds(30)).until(() -> spooled() == 0);
        t.requestBody("direct:report-day", d);
        try (Connection c = db.connect()) {
            ReportChecks.checkWorkbook(file(drive.in(daily.id()), ".xlsx").bytes(), c, false, day);
        }
        try (var wb = new org.apache.poi.xssf.usermodel.XSSFWorkbook(new java.io.ByteArrayInputStream(file(drive.in(daily.id()), ".xlsx").bytes()))) {
            var al = wb.getSheet("Alerts");
            List<String> rules = new java.util.ArrayList<>();
            for (int r = 1; r <= al.getLastRowNum(); r++) {
                rules.add(al.getRow(r).getCell(0).getStringCellValue());
            }
            assertThat(rules).contains("report-upload-failed");
        }
    }

    private static FakeDrive.StoredFile file(List<FakeDrive.StoredFile> files, String suffix) {
        return files.stream().filter(f -> f.name().endsWith(suffix)).findFirst().orElseThrow();
    }

    private long spooled() {
        Object store = agent.context().getRegistry().lookupByName("heartbeatStore");
        return ((Number) ((dev.nervesys.spi.StatusReporter) store).status().get("spooled")).longValue();
    }

    private long count(String sql) {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    static List<String> pending(Path data) throws Exception {
        Path p = data.resolve("reports").resolve(".pending");
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).map(x -> x.getFileName().toString()).toList();
        }
    }
}
