package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.SettingsResolver;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code nervesys [run|validate|generate|decode|report|fleet|runs|restore] ...}; without a
 * subcommand it runs the agent. Every failure is one line on stderr and an exit code ({@link CliErrors}).
 */
@Command(name = "nervesys", mixinStandardHelpOptions = true, versionProvider = NervesysCommand.Version.class,
        description = "Lean fleet agent: Git-driven Camel routes with transactional hot reload.",
        exitCodeListHeading = "Exit codes (docs/operations.md):%n",
        exitCodeList = {"0:done", "1:failed: bad input or data, a validation failure, a service that cannot be reached",
                "2:bad usage (unknown command or option, malformed or missing argument)",
                "3:refused (a port or the data dir is taken; restore: files would be overwritten)",
                "4:restore: no such snapshot or backup"},
        footer = "Failures are one line on stderr; set NERVESYS_STACKTRACE=1 for the stack trace.")
public final class NervesysCommand implements Callable<Integer> {

    private final RunCommand run;

    private NervesysCommand(RunCommand run) {
        this.run = run;
    }

    /** The command line of nervesys.jar: this process's environment and -D flags, the current directory. */
    public static CommandLine commandLine() {
        return commandLine(null, null, CliErrors.stackTracesFromEnvironment());
    }

    /**
     * With the given environment and flags and {@code workDir} in place of the current directory
     * (null: this process's), for tests; {@code stackTraces}: print a failure's stack trace after its line.
     */
    public static CommandLine commandLine(SettingsResolver resolver, Path workDir, boolean stackTraces) {
        RunCommand run = new RunCommand(resolver);
        CommandLine cl = new CommandLine(new NervesysCommand(run));
        Subcommands.addTo(cl, run, resolver, workDir);
        return CliErrors.install(cl, stackTraces);
    }

    @Override
    public Integer call() throws Exception {
        return run.call();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nervesys " + Agent.version(), "Apache Camel " + camelVersion(),
                    "Java " + System.getProperty("java.version")};
        }

        private static String camelVersion() {
            try (var in = NervesysCommand.class.getResourceAsStream("/META-INF/maven/org.apache.camel/camel-api/pom.properties")) {
                java.util.Properties p = new java.util.Properties();
                if (in != null) {
                    p.load(in);
                }
                return p.getProperty("version", "unknown");
            } catch (java.io.IOException e) {
                return "unknown";
            }
        }
    }
}
