package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.AddOn;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.reports.ReportPeriod;
import dev.nervesys.reports.ReportService;
import dev.nervesys.reports.ReportSettings;
import dev.nervesys.reports.ReportStatus;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.StatusDatabaseLocation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nervesys report --day 2025-12-10 [--out DIR]}: one day's report on demand, with the
 * settings of ./routes and ./config (or the jar's copy) plus environment and -D flags. Without
 * --out the files go to the local report folder, and with Drive configured they are left pending
 * there for the running agent's upload retry route. Prints the paths of the three files. Run
 * where no agent ran (no heartbeat database), it says so in one line, exit code 1.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Produce a day's fleet report (PDF, Excel, CSV) now; see docs/reports.md.")
public final class ReportCommand implements Callable<Integer> {

    private static final String SQLITE = "jdbc:sqlite:";
    private static final String DEFAULT_SOURCE = "the default <nervesys.dataDir>/heartbeat/heartbeat.db";

    @Option(names = "--day", required = true, description = "the day, yyyy-MM-dd, in nervesys.reports.timeZone")
    LocalDate day;

    @Option(names = "--out", description = "write the files here instead of the local report folder")
    Path out;

    @Spec
    CommandSpec spec;

    private final SettingsResolver resolver;
    private final Path workDir;

    /** The command line's: this process's environment and -D flags, the current directory. */
    public ReportCommand() {
        this(null, null);
    }

    /** With the given environment and flags, and {@code workDir} in place of the current directory (tests). */
    public ReportCommand(SettingsResolver resolver, Path workDir) {
        this.resolver = resolver;
        this.workDir = workDir;
    }

    @Override
    public Integer call() throws Exception {
        if (!AddOn.REPORTS.attach()) {
            throw new CliErrors.Failure(CliErrors.FAILED, "needs " + AddOn.REPORTS.jar() + " beside nervesys.jar (the report"
                    + " libraries); copy it there from the build (bootstrap/target/" + AddOn.REPORTS.jar() + ")");
        }
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        Path cwd = workDir != null ? workDir : Path.of("").toAbsolutePath();
        if (out != null && Files.exists(out) && !Files.isDirectory(out)) {
            throw new CliErrors.Failure(CliErrors.FAILED, "--out " + out + " is not a directory; give a new or existing directory");
        }
        boolean ownConfig = DirectorySource.looksLikeConfigRoot(cwd);
        Settings settings = r.resolve(ownConfig ? new DirectorySource(cwd).latest() : new EmbeddedSource().latest());
        ReportSettings rs;
        try {
            rs = ReportSettings.from(settings);
        } catch (RuntimeException e) {
            throw new CliErrors.Failure(CliErrors.FAILED, "bad report setting: " + ErrorLine.of(e) + "; see docs/reports.md", e);
        }
        checkSource(rs.sourceUrl(), settings, ownConfig ? cwd : null);
        ReportService service = new ReportService(rs, new ReportStatus(rs.drive().configured(), settings.clock()), settings.clock());
        List<String> files;
        try {
            files = service.produce(ReportPeriod.day(day, rs.zone()), List.of(), out);
        } catch (SQLException e) {
            throw sourceFailure(rs.sourceUrl(), settings, e);
        }
        files.forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * The SQLite default, {@code <dataDir>/heartbeat/heartbeat.db}, exists only where an agent ran: say
     * so (and create nothing) rather than let the driver fail or make an empty database.
     */
    private static void checkSource(String url, Settings settings, Path configDir) {
        if (!url.startsWith(SQLITE)) {
            return;
        }
        String file = url.substring(SQLITE.length());
        int q = file.indexOf('?');
        file = q < 0 ? file : file.substring(0, q);
        if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
            return;
        }
        Path db = Path.of(file).toAbsolutePath();
        if (!Files.isRegularFile(db)) {
            String key = sourceKey(settings);
            throw new CliErrors.Failure(CliErrors.FAILED, "no heartbeat database at " + db + (key.equals(DEFAULT_SOURCE)
                    ? "; run it where the agent runs (its working directory, or -Dnervesys.dataDir=<the agent's data dir>),"
                    + " or set nervesys.reports.source.url (or nervesys.postgres.url) to the fleet's database"
                    + (configDir == null ? "" : " in " + configDir.resolve("config/application.properties"))
                    : " (" + key + "); check " + key));
        }
    }

    private static CliErrors.Failure sourceFailure(String url, Settings settings, SQLException e) {
        if (ErrorLine.unreachable(e)) {
            return new CliErrors.Failure(CliErrors.FAILED, "cannot reach the heartbeat database at " + ErrorLine.hostPort(url)
                    + " (" + ErrorLine.connectReason(e) + "); check " + sourceKey(settings) + " and that the database runs", e);
        }
        return new CliErrors.Failure(CliErrors.FAILED, "cannot read the heartbeats from " + ErrorLine.hostPort(url) + " ("
                + sourceKey(settings) + "): " + ErrorLine.of(e), e);
    }

    /** The setting the heartbeat database comes from, as ReportSettings (and StatusDatabaseLocation) pick it. */
    private static String sourceKey(Settings settings) {
        if (settings.find("nervesys.reports.source.url").isPresent()) {
            return "nervesys.reports.source.url";
        }
        String key = StatusDatabaseLocation.sourceKey(settings);
        return key == null ? DEFAULT_SOURCE : key;
    }
}
