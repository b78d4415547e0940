package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.security.ExposedPorts;
import dev.nervesys.spi.DataDirLock;
import dev.nervesys.spi.ErrorLine;
import java.io.PrintWriter;

/**
 * {@code nervesys} and {@code nervesys run}, the agent's own command lines, without picocli: with no
 * option to parse there is nothing for it to do, and building the root command line (every
 * subcommand's model, by reflection) loaded some 180 classes into every agent (docs/benchmarks.md
 * "Footprint"). Same behaviour as through picocli: {@link RunCommand} runs, and a failure is the
 * one line and exit code of {@link CliErrors} (prefixed {@code nervesys:} without a subcommand,
 * {@code run:} with it). Anything else on the command line (an option, {@code run --help}) goes to picocli.
 * No picocli type appears here, nor CliErrors (its converters throw picocli's exceptions, which its
 * verification loads), only the constants and {@link CliErrors.Failure}, a class of its own.
 */
public final class PlainRun {

    private PlainRun() {
    }

    /** Whether these arguments are the plain run: none, or {@code run} alone. */
    public static boolean applies(String[] args) {
        return args.length == 0 || (args.length == 1 && "run".equals(args[0]));
    }

    /** Runs the agent of this process's environment and -D flags until it stops; the exit code. */
    public static int execute(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        return execute(args, null, err, stackTracesFromEnvironment());
    }

    /**
     * Whether this process asked for stack traces ({@value CliErrors#STACKTRACE_ENV} set, and not 0/false);
     * here rather than in CliErrors, whose converters throw picocli's exceptions: loading it loads them.
     */
    static boolean stackTracesFromEnvironment() {
        String v = System.getenv(CliErrors.STACKTRACE_ENV);
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /** With the given environment and flags (null: this process's), for tests. */
    public static int execute(String[] args, SettingsResolver resolver, PrintWriter err, boolean stackTraces) {
        String name = args.length == 0 ? "nervesys" : "run";
        try {
            return new RunCommand(resolver).call();
        } catch (Exception ex) {
            Line line = failure(ex, stackTraces);
            err.println(name + ": " + ErrorLine.oneLine(line.message()));
            if (stackTraces) {
                ex.printStackTrace(err);
            }
            err.flush();
            return line.code();
        }
    }

    /** The exit code and the line (without the command's name) of a failure a command let through. */
    record Line(int code, String message) {
    }

    /** How {@link CliErrors} explains a command's failure; shared by both ways of running. */
    static Line failure(Exception ex, boolean stackTraces) {
        if (ex instanceof CliErrors.Failure f) {
            return new Line(f.exitCode(), f.getMessage());
        } else if (ex instanceof ExposedPorts.Refused) {
            return new Line(CliErrors.EXPOSED, "cannot start: " + ErrorLine.of(ex));
        } else if (ex instanceof Agent.StartRefused || ex instanceof DataDirLock.HeldException) {
            return new Line(CliErrors.REFUSED, "cannot start: " + ErrorLine.of(ex));
        }
        String message = ErrorLine.of(ex);
        if (!stackTraces && message.startsWith("unexpected ")) {
            message += "; set " + CliErrors.STACKTRACE_ENV + "=1 to see where";
        }
        return new Line(CliErrors.FAILED, message);
    }
}
