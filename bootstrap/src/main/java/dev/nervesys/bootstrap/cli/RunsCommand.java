package dev.nervesys.bootstrap.cli;

import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.runs.RunComparison;
import dev.nervesys.spi.ErrorLine;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nervesys runs compare A B} (docs/runs.md): per series, the points of each run, frames aligned,
 * mean/min/max of each, mean and max absolute difference on aligned frames and the frames missing
 * from either run, read from ClickHouse. Credentials from NERVESYS_CLICKHOUSE_USER /
 * NERVESYS_CLICKHOUSE_PASSWORD, as for the agent.
 */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Analyse runs stored in ClickHouse.",
        subcommands = RunsCommand.Compare.class)
public final class RunsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
        public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: compare A B");
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Compare two runs per series, aligned on frame index.")
    static final class Compare implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "A", description = "run id of run A")
        String runA;

        @Parameters(index = "1", paramLabel = "B", description = "run id of run B")
        String runB;

        @Option(names = "--clickhouse", paramLabel = "URL", defaultValue = "http://127.0.0.1:8123",
                description = "ClickHouse HTTP interface (default: ${DEFAULT-VALUE}); user and password from NERVESYS_CLICKHOUSE_USER / NERVESYS_CLICKHOUSE_PASSWORD")
        String url;

        @Option(names = "--database", defaultValue = "nervesys", description = "database of the series table (default: ${DEFAULT-VALUE})")
        String database;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String base = url.trim().replaceAll("/+$", "");
            URI uri;
            try {
                uri = new URI(base);
            } catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new ParameterException(spec.commandLine(), "--clickhouse: '" + url + "' is not an http(s) URL; e.g. http://127.0.0.1:8123");
            }
            String where = "ClickHouse at " + ErrorLine.hostPort(base);
            ClickHouseClient ch = new ClickHouseClient(base, database, System.getenv("NERVESYS_CLICKHOUSE_USER"),
                    System.getenv("NERVESYS_CLICKHOUSE_PASSWORD"), Duration.ofMinutes(5));
            List<RunComparison.Row> rows;
            try {
                rows = RunComparison.compare(ch, runA, runB);
            } catch (IOException e) {
                if (ErrorLine.unreachable(e)) {
                    throw new CliErrors.Failure(CliErrors.FAILED, "cannot reach " + where + " (" + ErrorLine.connectReason(e)
                            + "); check --clickhouse and that the server runs", e);
                }
                throw new CliErrors.Failure(CliErrors.FAILED, where + ": " + ErrorLine.of(e), e);
            } catch (ClickHouseException e) {
                throw new CliErrors.Failure(CliErrors.FAILED, clickHouseError(where, e), e);
            }
            if (rows.isEmpty()) {
                throw new CliErrors.Failure(CliErrors.FAILED, "no series of run " + runA + " or " + runB + " in " + database + ".series"
                        + " of " + where);
            }
            PrintWriter err = spec.commandLine().getErr();
            for (String run : runA.equals(runB) ? List.of(runA) : List.of(runA, runB)) {
                boolean none = rows.stream().allMatch(r -> (run.equals(runA) ? r.a() : r.b()).points() == 0);
                if (none) { // a typo in a run id would otherwise only show as POINTS_x 0
                    err.println("runs compare: warning: run " + run + " has no points in " + database + ".series of " + where
                            + "; check the run id");
                }
            }
            err.flush();
            out.print(table(runA, runB, rows));
            out.flush();
            return 0;
        }
    }

    /** ClickHouse's answer without its "e.displayText() = DB::Exception:" wrapping, with a hint for the usual cases. */
    static String clickHouseError(String where, ClickHouseException e) {
        String text = e.getMessage().replaceFirst("^ClickHouse answered \\d+: ", "")
                .replace("e.displayText() = DB::Exception: ", "").replaceAll(",? ?e\\.what\\(\\) = DB::Exception", "")
                .replace("DB::Exception: ", "");
        String hint = switch (e.code()) {
            case 81, 60 -> "; check --database (the agents' nervesys.clickhouse.database)";
            case 516, 192, 193, 194 -> "; check NERVESYS_CLICKHOUSE_USER / NERVESYS_CLICKHOUSE_PASSWORD";
            default -> "";
        };
        return where + " answered " + e.status() + ": " + ErrorLine.oneLine(text) + hint;
    }

    static String table(String runA, String runB, List<RunComparison.Row> rows) {
        String[] head = {"SERIES", "POINTS_A", "POINTS_B", "ALIGNED", "MEAN_A", "MIN_A", "MAX_A", "MEAN_B", "MIN_B", "MAX_B",
                "MEAN_ABS_DIFF", "MAX_ABS_DIFF", "AT_FRAME", "MISSING_IN_A", "MISSING_IN_B"};
        List<String[]> lines = new ArrayList<>();
        lines.add(head);
        for (RunComparison.Row r : rows) {
            lines.add(new String[] {r.series(), Long.toString(r.a().points()), Long.toString(r.b().points()), Long.toString(r.aligned()),
                    num(r.a().mean()), num(r.a().min()), num(r.a().max()), num(r.b().mean()), num(r.b().min()), num(r.b().max()),
                    num(r.meanAbsDiff()), num(r.maxAbsDiff()), r.worstFrame() < 0 ? "-" : Long.toString(r.worstFrame()),
                    Long.toString(r.missingInA()), Long.toString(r.missingInB())});
        }
        int[] w = new int[head.length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder("A = ").append(runA).append(", B = ").append(runB)
                .append(" (differences on frames both runs have; MISSING_IN_A = frames of B that A lacks)").append(System.lineSeparator());
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                b.append(i == l.length - 1 ? l[i] : String.format(i == 0 ? "%-" + w[i] + "s  " : "%" + w[i] + "s  ", l[i]));
            }
            b.append(System.lineSeparator());
        }
        b.append(rows.size()).append(" series").append(System.lineSeparator());
        return b.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.6g", v);
    }
}
