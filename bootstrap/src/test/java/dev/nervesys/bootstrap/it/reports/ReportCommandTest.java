package dev.nervesys.bootstrap.it.reports;

import dev.nervesys.bootstrap.cli.ReportCommand;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.reports.ReportPeriod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code nervesys report --day 2025-12-10 [--out DIR]} (picocli, the real command) against a real
 * heartbeat database: PostgreSQL (a database of the test's own, from ./config of a work directory)
 * and the SQLite default ({@code <dataDir>/heartbeat/heartbeat.db}, the jar's own config). The
 * three printed files are read back: the workbook's figures against SQL, the CSV's agents, the
 * PDF's text.
 */
class ReportCommandTest {

    static final LocalDate DAY = LocalDate.of(2025, 12, 10);

    @TempDir
    Path tmp;

    @Test
    void postgresFromTheWorkDirectoryConfigWithOut() throws Exception {
        try (PgDatabase db = new PgDatabase()) {
            try (Connection c = db.connect()) {
                ReportChecks.migrate(c, false);
                ReportChecks.insertBeats(c, false, DAY, 3, 0);
                ReportChecks.insertBeats(c, false, DAY.minusDays(1), 1, 1380); // the evening before: left out
                ReportChecks.insertBeats(c, false, DAY.plusDays(1), 1, 0);     // the day after: left out
            }
            Path work = tmp.resolve("work");
            Files.createDirectories(work.resolve("config"));
            Files.writeString(work.resolve("config/application.properties"),
                    "nervesys.postgres.url=" + db.url() + "\nnervesys.reports.timeZone=UTC\n");
            Properties flags = new Properties();
            flags.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
            Path out = tmp.resolve("out");
            List<Path> files = run(new SettingsResolver(EmbeddedSource.defaultProperties(),
                    Map.of("NERVESYS_POSTGRES_USER", "postgres"), flags), work, "--day", "2025-12-10", "--out", out.toString());
            assertThat(files).containsExactly(out.resolve("2025-12-10_summary.pdf"), out.resolve("2025-12-10_metrics.xlsx"),
                    out.resolve("2025-12-10_agents.csv"));
            try (Connection c = db.connect()) {
                check(files, c, false, List.of("edge-1", "edge-2", "edge-3"));
            }
            assertThat(tmp.resolve("data/reports")).doesNotExist();
        }
    }

    @Test
    void sqliteDefaultIntoTheLocalReportFolder() throws Exception {
        Path data = tmp.resolve("data");
        Path dbFile = data.resolve("heartbeat/heartbeat.db");
        Files.createDirectories(dbFile.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile)) {
            ReportChecks.migrate(c, true);
            ReportChecks.insertBeats(c, true, DAY, 2, 600);
            ReportChecks.insertBeats(c, true, DAY.plusDays(1), 2, 0);
        }
        Path work = tmp.resolve("empty"); // no ./routes, ./config: the jar's own config
        Files.createDirectories(work);
        Properties flags = new Properties();
        flags.setProperty("nervesys.dataDir", data.toString());
        List<Path> files = run(new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), flags), work, "--day", "2025-12-10");
        Path daily = data.resolve("reports/Daily");
        assertThat(files).containsExactly(daily.resolve("2025-12-10_summary.pdf"), daily.resolve("2025-12-10_metrics.xlsx"),
                daily.resolve("2025-12-10_agents.csv"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile)) {
            check(files, c, true, List.of("edge-1", "edge-2"));
        }
        // no Drive configured: nothing is left pending
        assertThat(data.resolve("reports/.pending")).doesNotExist();
    }

    private void check(List<Path> files, Connection c, boolean sqlite, List<String> agents) throws Exception {
        assertThat(ReportChecks.checkWorkbook(Files.readAllBytes(files.get(1)), c, sqlite, DAY)).containsExactlyElementsOf(agents);
        ReportChecks.checkCsv(Files.readAllBytes(files.get(2)), agents);
        ReportChecks.checkPdf(Files.readAllBytes(files.get(0)), tmp, ReportPeriod.day(DAY, ZoneOffset.UTC).title());
    }

    private static List<Path> run(SettingsResolver resolver, Path work, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new ReportCommand(resolver, work)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertThat(code).as(err.toString()).isZero();
        return out.toString().lines().map(Path::of).toList();
    }
}
