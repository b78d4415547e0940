package dev.nervesys.reports;

import dev.nervesys.buffer.TestSettings;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Alerts raised" from the alerts' alert_history (real PostgreSQL, its own database): without the
 * table the report derives them from agent_status.alerts; once the table exists (created by the
 * heartbeat capability's own migration) its rows first seen in the period are what is counted,
 * per agent and per rule, checked against SQL over the table and read back from the workbook.
 */
class AlertHistoryTest {

    static final LocalDate DAY = LocalDate.of(2025, 12, 10);
    static final Instant FROM = DAY.atStartOfDay(ZoneOffset.UTC).toInstant();
    static final Instant TO = FROM.plusSeconds(86_400);
    static HeartbeatFixture db;

    @TempDir
    static Path dir;

    @BeforeAll
    static void fill() throws Exception {
        db = new HeartbeatFixture();
        db.fill(FROM, 4, 1440);
    }

    @AfterAll
    static void drop() throws Exception {
        db.close();
    }

    static ReportService service() {
        TestSettings s = new TestSettings(dir.resolve("data")).set("nervesys.reports.source.url", db.url)
                .set("nervesys.reports.timeZone", "UTC");
        s.env("NERVESYS_POSTGRES_USER", "postgres");
        return new ReportService(ReportSettings.from(s), new ReportStatus(false, Clock.fixed(TO.plusSeconds(3600), ZoneOffset.UTC)), Clock.fixed(TO.plusSeconds(3600), ZoneOffset.UTC));
    }

    @Test
    void derivedFromHeartbeatsWithoutTheTableThenReadFromAlertHistory() throws Exception {
        ReportPeriod day = ReportPeriod.day(DAY, ZoneId.of("UTC"));

        // 1. no alert_history: transitions into an open alert in agent_status.alerts
        FleetReport derived = service().gather(day);
        assertThat(derived.alertsSource()).isEqualTo(FleetReport.FROM_HEARTBEATS);
        long cpuHigh = scalar("SELECT count(*) FROM (SELECT alerts @> '[{\"rule\":\"cpu_high\"}]' AS open,"
                + " lag(alerts @> '[{\"rule\":\"cpu_high\"}]') OVER (PARTITION BY agent_id ORDER BY ts) AS before"
                + " FROM agent_status WHERE ts >= '2025-12-10T00:00:00Z' AND ts < '2025-12-11T00:00:00Z') x WHERE open AND NOT before");
        assertThat(cpuHigh).isGreaterThan(5);
        assertThat(derived.alerts()).filteredOn(a -> a.name().equals("cpu_high")).singleElement()
                .satisfies(a -> assertThat((long) a.raised()).isEqualTo(cpuHigh));

        // 2. the heartbeat capability's migration creates alert_history; alerts are written as the alerts-history route does
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            try (InputStream in = Objects.requireNonNull(getClass().getClassLoader().getResourceAsStream("db/heartbeat/postgres/V2__alert_history.sql"))) {
                st.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Instant t = FROM.plusSeconds(3600);
        history("a1", "agent-0000", "fatal-level", "critical", t);
        history("a2", "agent-0000", "fatal-level", "critical", t.plusSeconds(7200));
        history("a3", "agent-0000", "report-upload-failed", "critical", t.plusSeconds(9000));
        history("a4", "agent-0001", "disk-full", "warning", t.plusSeconds(100));
        history("a5", "agent-0001", "fatal-level", "critical", FROM.minusMillis(1));   // the day before
        history("a6", "agent-0001", "fatal-level", "critical", TO);                   // the next day
        history("a7", "agent-0002", "fatal-level", "critical", TO.minusMillis(1));
        history("a8", "agent-9999", "disk-full", "critical", t);                      // no heartbeat that day

        FleetReport fromHistory = service().gather(day);
        assertThat(fromHistory.alertsSource()).isEqualTo(FleetReport.FROM_HISTORY);

        Map<String, long[]> perAgent = new HashMap<>();
        Map<String, long[]> perRule = new HashMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT agent_id, rule, count(*), count(*) FILTER (WHERE label = 'critical') FROM alert_history"
                        + " WHERE first_seen >= ? AND first_seen < ? GROUP BY agent_id, rule")) {
            ps.setObject(1, FROM.atOffset(ZoneOffset.UTC));
            ps.setObject(2, TO.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] a = perAgent.computeIfAbsent(rs.getString(1), k -> new long[2]);
                    a[0] += rs.getLong(3);
                    a[1] += rs.getLong(4);
                    long[] r = perRule.computeIfAbsent(rs.getString(2), k -> new long[2]);
                    r[0] += rs.getLong(3);
                    r[1]++;
                }
            }
        }
        assertThat(perAgent.get("agent-0000")).containsExactly(3, 3);
        assertThat(perAgent.get("agent-0001")).containsExactly(1, 0);
        assertThat(perRule.get("fatal-level")).containsExactly(3, 2);
        assertThat(perRule.get("disk-full")).containsExactly(2, 2);
        assertThat(fromHistory.agents()).hasSize(4);
        for (AgentFigures a : fromHistory.agents()) {
            long[] e = perAgent.getOrDefault(a.agentId(), new long[2]);
            assertThat((long) a.alertsRaised()).as(a.agentId()).isEqualTo(e[0]);
            assertThat((long) a.criticalAlertsRaised()).as(a.agentId()).isEqualTo(e[1]);
        }
        assertThat(fromHistory.alerts()).hasSize(perRule.size());
        for (FleetReport.AlertCount a : fromHistory.alerts()) {
            assertThat(new long[] {a.raised(), a.agents()}).as(a.name()).containsExactly(perRule.get(a.name()));
        }
        assertThat(fromHistory.alerts()).filteredOn(a -> a.name().equals("disk-full")).singleElement()
                .satisfies(a -> assertThat(a.severity()).isEqualTo("critical"));
        assertThat(fromHistory.totalAlertsRaised()).isEqualTo(6);

        // and the workbook says so
        Path out = dir.resolve("out");
        service().produce(day, List.of(), out);
        try (InputStream in = Files.newInputStream(out.resolve("2025-12-10_metrics.xlsx")); XSSFWorkbook wb = new XSSFWorkbook(in)) {
            Sheet up = wb.getSheet("Uptime");
            for (int r = 1; r <= up.getLastRowNum(); r++) {
                Row row = up.getRow(r);
                long[] e = perAgent.getOrDefault(row.getCell(0).getStringCellValue(), new long[2]);
                assertThat(row.getCell(13).getNumericCellValue()).isEqualTo((double) e[0]);
                assertThat(row.getCell(14).getNumericCellValue()).isEqualTo((double) e[1]);
            }
            Sheet al = wb.getSheet("Alerts");
            assertThat(al.getLastRowNum()).isEqualTo(perRule.size());
            for (int r = 1; r <= al.getLastRowNum(); r++) {
                Row row = al.getRow(r);
                assertThat(row.getCell(2).getNumericCellValue()).isEqualTo((double) perRule.get(row.getCell(0).getStringCellValue())[0]);
            }
            Sheet summary = wb.getSheet("Summary");
            Map<String, String> figures = new HashMap<>();
            for (int r = 1; r <= summary.getLastRowNum(); r++) {
                figures.put(summary.getRow(r).getCell(0).getStringCellValue(), summary.getRow(r).getCell(1).toString());
            }
            assertThat(figures.get("alerts raised")).isEqualTo("6.0");
            assertThat(figures.get("alerts raised from")).isEqualTo(FleetReport.FROM_HISTORY);
        }
    }

    static void history(String id, String agent, String rule, String label, Instant firstSeen) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO alert_history (alert_id, agent_id, server, fingerprint, rule, label, level, message, first_seen,"
                        + " last_seen, count, status, channels) VALUES (?, ?, 'srv', ?, ?, ?, 'FATAL', 'm', ?, ?, 2, 'sent', 'ops-webhook')")) {
            OffsetDateTime at = firstSeen.atOffset(ZoneOffset.UTC);
            ps.setString(1, id);
            ps.setString(2, agent);
            ps.setString(3, "fp-" + id);
            ps.setString(4, rule);
            ps.setString(5, label);
            ps.setObject(6, at);
            ps.setObject(7, at.plusMinutes(5));
            ps.executeUpdate();
        }
    }

    static long scalar(String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
