package dev.nervesys.reports;

import dev.nervesys.buffer.TestSettings;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Renders a real day (12 agents x 1,440 heartbeats in PostgreSQL) and reads every output back:
 * the workbook's figures against SQL over the same table, the CSV, and the PDF rendered to PNG
 * with pdftoppm (poppler-utils; a missing tool fails the test).
 */
class ReportRenderTest {

    static final LocalDate DAY = LocalDate.of(2025, 12, 10);
    static final int AGENTS = 12;
    static HeartbeatFixture db;
    static long rows;

    @TempDir
    static Path dir;

    @BeforeAll
    static void fill() throws Exception {
        db = new HeartbeatFixture();
        // a few beats either side of the day that must be left out
        rows = db.fill(DAY.atStartOfDay(ZoneOffset.UTC).toInstant(), AGENTS, 1440);
        db.fill(DAY.atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(300), 1, 5);
        db.fill(DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), 1, 5);
    }

    @AfterAll
    static void drop() throws Exception {
        db.close();
    }

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-12-11T08:00:00Z"), ZoneOffset.UTC);

    static ReportService service(Path local) {
        TestSettings s = new TestSettings(local).set("nervesys.reports.source.url", db.url)
                .set("nervesys.reports.timeZone", "UTC").set("nervesys.reports.pdf.maxAgents", 8);
        s.env("NERVESYS_POSTGRES_USER", "postgres");
        ReportSettings settings = ReportSettings.from(s);
        return new ReportService(settings, new ReportStatus(false, CLOCK), CLOCK);
    }

    @Test
    void workbookFiguresMatchTheDatabase() throws Exception {
        Path out = dir.resolve("day");
        List<String> files = service(dir.resolve("data")).produce(ReportPeriod.day(DAY, ZoneId.of("UTC")), List.of(), out);
        assertThat(files).extracting(f -> Path.of(f).getFileName().toString())
                .containsExactly("2025-12-10_summary.pdf", "2025-12-10_metrics.xlsx", "2025-12-10_agents.csv");

        Map<String, double[]> expected = new HashMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT agent_id, count(*), avg((metrics->>'cpu_percent')::float8), max((metrics->>'cpu_percent')::float8),"
                        + " avg((metrics->>'ram_percent')::float8), max((metrics->>'disk_percent')::float8),"
                        + " sum(CASE WHEN status = 'critical' THEN 1 ELSE 0 END), max((metrics->>'buffer_size_mb')::float8),"
                        + " max(archive_lag_seconds)"
                        + " FROM agent_status WHERE ts >= ? AND ts < ? GROUP BY agent_id")) {
            ps.setObject(1, DAY.atStartOfDay().atOffset(ZoneOffset.UTC));
            ps.setObject(2, DAY.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expected.put(rs.getString(1), new double[] {rs.getLong(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5),
                            rs.getDouble(6), rs.getLong(7), rs.getDouble(8), rs.getDouble(9)});
                }
            }
        }
        assertThat(expected).hasSize(AGENTS);

        try (InputStream in = Files.newInputStream(out.resolve("2025-12-10_metrics.xlsx")); XSSFWorkbook wb = new XSSFWorkbook(in)) {
            assertThat(wb.getNumberOfSheets()).isEqualTo(8);
            assertThat(wb.getSheetAt(0).getSheetName()).isEqualTo("Summary");
            for (int i = 0; i < wb.getNumberOfSheets(); i++) {
                assertThat(wb.getSheetAt(i).getPaneInformation().isFreezePane()).as(wb.getSheetAt(i).getSheetName()).isTrue();
                assertThat(wb.getSheetAt(i).getPaneInformation().getHorizontalSplitPosition()).isEqualTo((short) 1);
            }
            Sheet up = wb.getSheet("Uptime");
            Sheet res = wb.getSheet("Resources");
            Sheet buf = wb.getSheet("Buffer and archive");
            assertThat(up.getLastRowNum()).isEqualTo(AGENTS);
            for (int r = 1; r <= AGENTS; r++) {
                Row u = up.getRow(r);
                String agent = u.getCell(0).getStringCellValue();
                double[] e = expected.get(agent);
                assertThat(u.getCell(3).getCellType()).isEqualTo(CellType.NUMERIC);
                assertThat(u.getCell(3).getNumericCellValue()).as(agent + " beats").isEqualTo(e[0]);
                assertThat(u.getCell(12).getNumericCellValue()).as(agent + " critical").isEqualTo(e[5]);
                assertThat(u.getCell(6).getLocalDateTimeCellValue().toLocalDate()).isEqualTo(DAY);
                Row x = res.getRow(r);
                assertThat(x.getCell(0).getStringCellValue()).isEqualTo(agent);
                assertThat(x.getCell(1).getNumericCellValue()).as(agent + " cpu avg").isCloseTo(e[1], within(1e-9));
                assertThat(x.getCell(2).getNumericCellValue()).as(agent + " cpu peak").isCloseTo(e[2], within(1e-9));
                assertThat(x.getCell(3).getNumericCellValue()).as(agent + " ram avg").isCloseTo(e[3], within(1e-9));
                assertThat(x.getCell(6).getNumericCellValue()).as(agent + " disk peak").isCloseTo(e[4], within(1e-9));
                Row b = buf.getRow(r);
                assertThat(b.getCell(2).getNumericCellValue()).as(agent + " buffer peak").isCloseTo(e[6], within(1e-9));
                assertThat(b.getCell(7).getNumericCellValue()).as(agent + " lag peak").isCloseTo(e[7], within(1e-9));
            }
            // agent 2 was silent for an hour: 1380 of 1440 minutes; agent 0 restarted once
            Row a2 = up.getRow(3);
            assertThat(a2.getCell(0).getStringCellValue()).isEqualTo("agent-0002");
            assertThat(a2.getCell(5).getNumericCellValue()).isCloseTo(100.0 * 1380 / 1440, within(1e-9));
            assertThat(up.getRow(1).getCell(8).getNumericCellValue()).isEqualTo(1.0);

            // alerts raised = transitions into the alert, counted independently with SQL
            long cpuHigh = scalar("SELECT count(*) FROM (SELECT alerts @> '[{\"rule\":\"cpu_high\"}]' AS open,"
                    + " lag(alerts @> '[{\"rule\":\"cpu_high\"}]') OVER (PARTITION BY agent_id ORDER BY ts) AS before"
                    + " FROM agent_status WHERE ts >= '2025-12-10T00:00:00Z' AND ts < '2025-12-11T00:00:00Z') x"
                    + " WHERE open AND NOT before");
            assertThat(cpuHigh).isGreaterThan(20);
            Sheet al = wb.getSheet("Alerts");
            Map<String, Double> raised = new HashMap<>();
            for (int r = 1; r <= al.getLastRowNum(); r++) {
                raised.put(al.getRow(r).getCell(0).getStringCellValue(), al.getRow(r).getCell(2).getNumericCellValue());
            }
            assertThat(raised.get("cpu_high")).isEqualTo((double) cpuHigh);
            assertThat(raised).containsKey("cpu_critical");

            Sheet cfg = wb.getSheet("Config");
            assertThat(cfg.getRow(1).getCell(2).getStringCellValue()).isEqualTo("rev-aaaa rev-bbbb");
            assertThat(cfg.getRow(2).getCell(4).getStringCellValue()).isEqualTo("rev-bad1");
            assertThat(cfg.getRow(2).getCell(5).getStringCellValue()).isEqualTo("routes/x.camel.yaml:3: unknown component");

            Sheet fh = wb.getSheet("Fleet health");
            assertThat(fh.getLastRowNum()).isEqualTo(144);
            for (int r = 1; r <= 144; r++) {
                Row row = fh.getRow(r);
                double agents = row.getCell(1).getNumericCellValue() + row.getCell(2).getNumericCellValue() + row.getCell(3).getNumericCellValue();
                // agent 2 is missing from the six buckets of 10:00-11:00
                assertThat(agents).isEqualTo(r >= 61 && r <= 66 ? AGENTS - 1 : AGENTS);
            }
            Sheet summary = wb.getSheet("Summary");
            assertThat(summary.getRow(7).getCell(1).getNumericCellValue()).isEqualTo((double) rows);
        }

        List<String> csv = Files.readAllLines(out.resolve("2025-12-10_agents.csv"));
        assertThat(csv).hasSize(AGENTS + 1);
        assertThat(csv.get(0)).startsWith("agent_id,server,agent_version,heartbeats,uptime_pct");
        assertThat(csv.get(3)).startsWith("agent-0002,srv-2,0.1.0,1380,95.833,");

        Path pdf = out.resolve("2025-12-10_summary.pdf");
        List<Path> pages = PdfPages.render(pdf, dir.resolve("png"));
        assertThat(pages).hasSizeGreaterThanOrEqualTo(3);
        // kept under target/ so that a person can look at them
        Path keep = Path.of("target", "report-pages");
        Files.createDirectories(keep);
        for (Path page : pages) {
            Files.copy(page, keep.resolve(page.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        BufferedImage first = ImageIO.read(pages.get(0).toFile());
        // the fleet-health chart is drawn: green, orange and red areas on page one
        assertThat(PdfPages.count(first, ChartRenderer.HEALTHY)).isGreaterThan(5000);
        assertThat(PdfPages.count(first, ChartRenderer.DEGRADED)).isGreaterThan(20);
        assertThat(PdfPages.count(first, ChartRenderer.CRITICAL)).isGreaterThan(20);
        assertThat(PdfPages.text(pdf)).contains("Daily fleet report 2025-12-10").contains("Agents reporting: 12")
                .contains("cpu_high").contains("rev-bad1").contains("agent-0002");
    }

    @Test
    void weeklyReportIsNamedByIsoWeek() throws Exception {
        Path out = dir.resolve("week");
        List<String> files = service(dir.resolve("data2")).produce(ReportPeriod.week(DAY, ZoneId.of("UTC")), List.of(), out);
        assertThat(files).extracting(f -> Path.of(f).getFileName().toString())
                .containsExactly("Week_50_2025.pdf", "Week_50_2025_metrics.xlsx", "Week_50_2025_agents.csv");
        try (InputStream in = Files.newInputStream(out.resolve("Week_50_2025_metrics.xlsx")); XSSFWorkbook wb = new XSSFWorkbook(in)) {
            assertThat(wb.getSheet("Fleet health").getLastRowNum()).isEqualTo(168);
            assertThat(wb.getSheet("Summary").getRow(7).getCell(1).getNumericCellValue()).isEqualTo((double) rows + 10);
        }
    }

    static long scalar(String sql) throws Exception {
        try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** pdftoppm and pdftotext from poppler-utils. */
    static final class PdfPages {
        static List<Path> render(Path pdf, Path outDir) throws Exception {
            Files.createDirectories(outDir);
            run("pdftoppm", "-r", "70", "-png", pdf.toString(), outDir.resolve("page").toString());
            try (var s = Files.list(outDir)) {
                return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
            }
        }

        static String text(Path pdf) throws Exception {
            Path txt = pdf.resolveSibling(pdf.getFileName() + ".txt");
            run("pdftotext", "-layout", pdf.toString(), txt.toString());
            return Files.readString(txt);
        }

        static void run(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + output).isZero();
        }

        static long count(BufferedImage img, java.awt.Color c) {
            long n = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int rgb = img.getRGB(x, y);
                    if (Math.abs(((rgb >> 16) & 0xff) - c.getRed()) < 30 && Math.abs(((rgb >> 8) & 0xff) - c.getGreen()) < 30
                            && Math.abs((rgb & 0xff) - c.getBlue()) < 30) {
                        n++;
                    }
                }
            }
            return n;
        }
    }
}
