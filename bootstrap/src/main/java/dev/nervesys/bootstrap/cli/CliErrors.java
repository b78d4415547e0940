package dev.nervesys.bootstrap.cli;

import dev.nervesys.spi.ErrorLine;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * How every command of nervesys.jar fails (docs/operations.md, "Command line: errors and exit
 * codes"): one line on stderr, {@code <command>: <what is wrong with which input>; <what to do>},
 * and an exit code, never a stack trace. Installed once on the root command line: picocli's
 * parameter handler turns usage errors into one line and exit code 2, its execution handler turns
 * any exception a command lets through into one line and exit code 1 (3 when the agent refuses to
 * start, 5 when it would expose a port without authentication). With {@code NERVESYS_STACKTRACE=1} in the environment the stack trace follows the line.
 */
public final class CliErrors {

    /** Done. */
    public static final int OK = 0;
    /** Bad input (a missing or unreadable file, a bad schema or setting), a validation failure, or a service that cannot be reached. */
    public static final int FAILED = 1;
    /** Bad usage: an unknown command or option, a missing or malformed argument (picocli's own code). */
    public static final int USAGE = 2;
    /** Refused: a port or the data dir is taken, or files would be overwritten without --force. */
    public static final int REFUSED = 3;
    /** restore: no such snapshot or backup. */
    public static final int NOT_FOUND = 4;
    /**
     * run: a port would be reachable from other machines without authentication (protected mode,
     * docs/security.md); set its credentials, bind it to 127.0.0.1, or name it in
     * {@code nervesys.security.allowAnonymous}.
     */
    public static final int EXPOSED = 5;

    /** The environment variable that makes a failure print its stack trace after the line. */
    public static final String STACKTRACE_ENV = "NERVESYS_STACKTRACE";

    private CliErrors() {
    }

    /** A failure a command explains itself: the message is the line, without the command's name. */
    public static final class Failure extends RuntimeException {
        private final int exitCode;

        public Failure(int exitCode, String message) {
            this(exitCode, message, null);
        }

        public Failure(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** Installs the handlers and the converters that name the bad value on {@code root} and all its subcommands. */
    static CommandLine install(CommandLine root, boolean stackTraces) {
        root.registerConverter(LocalDate.class, CliErrors::date);
        root.registerConverter(URI.class, CliErrors::uri);
        root.setParameterExceptionHandler((ex, args) -> usage(ex, stackTraces));
        root.setExecutionExceptionHandler((ex, cl, parseResult) -> failed(ex, cl, parseResult, stackTraces));
        return root;
    }

    /** Whether this process asked for stack traces ({@value #STACKTRACE_ENV} set, and not 0/false). */
    static boolean stackTracesFromEnvironment() {
        return PlainRun.stackTracesFromEnvironment();
    }

    /** {@code yyyy-MM-dd} dates, with the reason when the text has that form but is no day of the calendar. */
    static LocalDate date(String text) {
        try {
            return LocalDate.parse(text.trim());
        } catch (DateTimeParseException e) {
            String why = e.getCause() instanceof DateTimeException d && d.getMessage() != null ? " (" + d.getMessage() + ")" : "";
            throw new TypeConversionException("'" + text + "' is not a date" + why + "; use yyyy-MM-dd, e.g. 2025-12-10");
        }
    }

    static URI uri(String text) {
        try {
            return new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new TypeConversionException("'" + text + "' is not a URL (" + e.getReason() + " at index " + e.getIndex()
                    + "); e.g. http://127.0.0.1:8086/ingest");
        }
    }

    /** The prefix of a command's lines: "report", "runs compare", "nervesys" for the root. */
    static String name(CommandLine cl) {
        String q = cl.getCommandSpec().qualifiedName(" ");
        String root = cl.getCommandSpec().root().name();
        return q.equals(root) ? root : q.substring(root.length() + 1);
    }

    private static int usage(ParameterException ex, boolean stackTraces) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        StringBuilder line = new StringBuilder(name(cl)).append(": ").append(ErrorLine.oneLine(String.valueOf(ex.getMessage())));
        if (ex instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append("; did you mean ").append(String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))).append('?');
            }
        }
        String help = cl.getCommandSpec().qualifiedName(" ") + " --help";
        line.append(" (see '").append(help).append("')");
        err.println(line);
        if (stackTraces) {
            ex.printStackTrace(err);
        }
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int failed(Exception ex, CommandLine cl, ParseResult parseResult, boolean stackTraces) {
        PrintWriter err = cl.getErr();
        PlainRun.Line line = PlainRun.failure(ex, stackTraces);
        int code = line.code();
        String message = line.message();
        err.println(name(cl) + ": " + ErrorLine.oneLine(message));
        if (stackTraces) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }
}
