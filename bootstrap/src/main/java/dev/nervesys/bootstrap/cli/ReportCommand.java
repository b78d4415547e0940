package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.reports.ReportPeriod;
import dev.nervesys.reports.ReportService;
import dev.nervesys.reports.ReportSettings;
import dev.nervesys.reports.ReportStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nervesys report --day 2025-12-10 [--out DIR]}: one day's report on demand, with the
 * settings of ./routes and ./config (or the jar's copy) plus environment and -D flags. Without
 * --out the files go to the local report folder, and with Drive configured they are left pending
 * there for the running agent's upload retry route. Prints the paths of the three files.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Produce a day's fleet report (PDF, Excel, CSV) now; see docs/reports.md.")
public final class ReportCommand implements Callable<Integer> {

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
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        Path cwd = workDir != null ? workDir : Path.of("").toAbsolutePath();
        Settings settings = r.resolve(DirectorySource.looksLikeConfigRoot(cwd)
                ? new DirectorySource(cwd).latest() : new EmbeddedSource().latest());
        ReportSettings rs = ReportSettings.from(settings);
        ReportService service = new ReportService(rs, new ReportStatus(rs.drive().configured(), settings.clock()), settings.clock());
        List<String> files = service.produce(ReportPeriod.day(day, rs.zone()), List.of(), out);
        files.forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
