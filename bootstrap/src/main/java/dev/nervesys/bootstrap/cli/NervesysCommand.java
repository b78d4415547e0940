package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.Agent;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nervesys [run|validate|generate|decode] ...}; without a subcommand it runs the agent. */
@Command(name = "nervesys", mixinStandardHelpOptions = true, versionProvider = NervesysCommand.Version.class,
        description = "Lean fleet agent: Git-driven Camel routes with transactional hot reload.",
        subcommands = {RunCommand.class, ValidateCommand.class})
public final class NervesysCommand implements Callable<Integer> {

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NervesysCommand());
        Subcommands.addTo(cl);
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        return new RunCommand().call();
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
