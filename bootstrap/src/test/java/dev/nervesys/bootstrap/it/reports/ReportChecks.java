package dev.nervesys.bootstrap.it.reports;

import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Shared by the reports' bootstrap tests: the heartbeat capability's real migrations, generated
 * heartbeats of a day, and the workbook read back and checked against SQL over agent_status.
 */
final class ReportChecks {

    private static final DateTimeFormatter SQLITE_TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private ReportChecks() {
    }

    /** Applies the heartbeat capability's migrations (db/heartbeat/&lt;postgres|sqlite&gt;/V1, V2). */
    static void migrate(Connection c, boolean sqlite) throws Exception {
        for (String v : List.of("V1__agent_status.sql", "V2__alert_history.sql")) {
            String path = "db/heartbeat/" + (sqlite ? "sqlite" : "postgres") + "/" + v;
            String sql;
            try (InputStream in = Objects.requireNonNull(ReportChecks.class.getClassLoader().getResourceAsStream(path), path)) {
                sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (Statement st = c.createStatement()) {
                for (String stmt : sql.replaceAll("(?m)^--.*$", "").split(";")) {
                    if (!stmt.isBlank()) {
                        st.execute(stmt);
                    }
                }
            }
        }
    }

    /**
     * {@code agents} agents ("edge-N") with a beat every 15 minutes of {@code day} from
     * {@code fromMinute}, deterministic figures; every 8th beat of edge-1 critical with an open
     * alert. The ts is written as the heartbeat capability writes it (timestamptz / RFC 3339 text).
     */
    static int insertBeats(Connection c, boolean sqlite, LocalDate day, int agents, int fromMinute) throws Exception {
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        int n = 0;
        String sql = "INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, uptime_seconds, config_revision,"
                + " buffer_rows, buffer_dropped, archive_lag_seconds, ingest_rate, agent_version, interval_seconds)"
                + " VALUES (?, ?, " + (sqlite ? "?" : "CAST(? AS timestamptz)") + ", ?, " + (sqlite ? "?" : "CAST(? AS jsonb)")
                + ", " + (sqlite ? "?" : "CAST(? AS jsonb)") + ", ?, 'rev-1', ?, 0, ?, 12.5, '0.1.0', 900)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int a = 1; a <= agents; a++) {
                for (int m = fromMinute; m < 1440; m += 15) {
                    int i = m / 15;
                    boolean critical = a == 1 && i % 8 == 0;
                    double cpu = 10 + a * 7 + (i % 13) * 3.25;
                    ps.setString(1, "edge-" + a);
                    ps.setString(2, "srv-" + a);
                    Instant ts = start.plusSeconds(m * 60L + a);
                    ps.setString(3, sqlite ? ts.toString() : ts.toString());
                    ps.setString(4, critical ? "critical" : "healthy");
                    ps.setString(5, String.format(Locale.ROOT, "{\"cpu_percent\": %.2f, \"ram_percent\": %.2f, \"disk_percent\": %.2f,"
                            + " \"buffer_size_mb\": %.2f}", cpu, 40.0 + a, 50.0 + i % 5, 1.5 * (i % 4)));
                    ps.setString(6, critical ? "[{\"rule\":\"fatal-level\",\"label\":\"critical\"}]" : "[]");
                    ps.setLong(7, 1000L + m * 60L);
                    ps.setLong(8, 100L * (i % 7));
                    ps.setLong(9, i % 3);
                    ps.executeUpdate();
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Reads the workbook and checks, for every agent of the day in agent_status, its heartbeats,
     * critical heartbeats, CPU average and peak and RAM average against SQL; and the Summary's total.
     * Returns the agents found.
     */
    static List<String> checkWorkbook(byte[] xlsx, Connection c, boolean sqlite, LocalDate day) throws Exception {
        Instant from = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = from.plusSeconds(86_400);
        String cpu = sqlite ? "CAST(json_extract(metrics, '$.cpu_percent') AS REAL)" : "(metrics->>'cpu_percent')::float8";
        String ram = sqlite ? "CAST(json_extract(metrics, '$.ram_percent') AS REAL)" : "(metrics->>'ram_percent')::float8";
        Map<String, double[]> expected = new HashMap<>();
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, count(*), sum(CASE WHEN status = 'critical' THEN 1 ELSE 0 END),"
                + " avg(" + cpu + "), max(" + cpu + "), avg(" + ram + ") FROM agent_status WHERE ts >= ? AND ts < ? GROUP BY agent_id")) {
            if (sqlite) {
                ps.setString(1, SQLITE_TS.format(from));
                ps.setString(2, SQLITE_TS.format(to));
            } else {
                ps.setObject(1, from.atOffset(ZoneOffset.UTC));
                ps.setObject(2, to.atOffset(ZoneOffset.UTC));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expected.put(rs.getString(1), new double[] {rs.getLong(2), rs.getLong(3), rs.getDouble(4), rs.getDouble(5), rs.getDouble(6)});
                    total += rs.getLong(2);
                }
            }
        }
        assertThat(expected).isNotEmpty();
        try (XSSFWorkbook wb = new XSSFWorkbook(new ByteArrayInputStream(xlsx))) {
            assertThat(wb.getSheetAt(0).getSheetName()).isEqualTo("Summary");
            Sheet up = wb.getSheet("Uptime");
            Sheet res = wb.getSheet("Resources");
            assertThat(up.getLastRowNum()).isEqualTo(expected.size());
            for (int r = 1; r <= up.getLastRowNum(); r++) {
                Row u = up.getRow(r);
                String agent = u.getCell(0).getStringCellValue();
                double[] e = expected.get(agent);
                assertThat(e).as(agent).isNotNull();
                assertThat(u.getCell(3).getCellType()).isEqualTo(CellType.NUMERIC);
                assertThat(u.getCell(3).getNumericCellValue()).as(agent + " heartbeats").isEqualTo(e[0]);
                assertThat(u.getCell(12).getNumericCellValue()).as(agent + " critical").isEqualTo(e[1]);
                Row x = res.getRow(r);
                assertThat(x.getCell(0).getStringCellValue()).isEqualTo(agent);
                assertThat(x.getCell(1).getNumericCellValue()).as(agent + " cpu avg").isCloseTo(e[2], within(1e-6));
                assertThat(x.getCell(2).getNumericCellValue()).as(agent + " cpu peak").isCloseTo(e[3], within(1e-6));
                assertThat(x.getCell(3).getNumericCellValue()).as(agent + " ram avg").isCloseTo(e[4], within(1e-6));
            }
            Sheet summary = wb.getSheet("Summary");
            Map<String, Double> figures = new HashMap<>();
            for (int r = 1; r <= summary.getLastRowNum(); r++) {
                if (summary.getRow(r).getCell(1).getCellType() == CellType.NUMERIC) {
                    figures.put(summary.getRow(r).getCell(0).getStringCellValue(), summary.getRow(r).getCell(1).getNumericCellValue());
                }
            }
            assertThat(figures.get("heartbeats")).isEqualTo((double) total);
            assertThat(figures.get("agents reporting")).isEqualTo((double) expected.size());
        }
        return expected.keySet().stream().sorted().toList();
    }

    /** CSV: a header and one row per agent, in agent order. */
    static void checkCsv(byte[] csv, List<String> agents) {
        List<String> lines = new String(csv, StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("agent_id");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(",")[0].replace("\"", "")).containsExactlyElementsOf(agents);
    }

    /** PDF: a real PDF whose text (pdftotext, poppler-utils) has the report's title. */
    static void checkPdf(byte[] pdf, java.nio.file.Path tmp, String title) throws Exception {
        assertThat(new String(pdf, 0, 5, StandardCharsets.ISO_8859_1)).isEqualTo("%PDF-");
        java.nio.file.Path f = java.nio.file.Files.createTempFile(tmp, "report", ".pdf");
        java.nio.file.Files.write(f, pdf);
        Process p = new ProcessBuilder("pdftotext", f.toString(), "-").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(text).isZero();
        assertThat(text).contains(title);
    }
}
