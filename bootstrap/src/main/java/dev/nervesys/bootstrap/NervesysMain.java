package dev.nervesys.bootstrap;

import dev.nervesys.bootstrap.cli.NervesysCommand;
import dev.nervesys.bootstrap.cli.PlainRun;

/** Entry point of nervesys.jar: the command line decides what runs (the agent by default). */
public final class NervesysMain {

    private NervesysMain() {
    }

    public static void main(String[] args) {
        if (PlainRun.applies(args)) {
            // the agent's own command line: nothing to parse, no picocli (docs/benchmarks.md "Footprint")
            System.exit(PlainRun.execute(args));
        }
        System.exit(NervesysCommand.commandLine().execute(args));
    }
}
