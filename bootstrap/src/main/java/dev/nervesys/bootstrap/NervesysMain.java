package dev.nervesys.bootstrap;

import dev.nervesys.bootstrap.cli.NervesysCommand;
import picocli.CommandLine;

/** Entry point of nervesys.jar: the command line decides what runs (the agent by default). */
public final class NervesysMain {

    private NervesysMain() {
    }

    public static void main(String[] args) {
        System.exit(NervesysCommand.commandLine().execute(args));
    }
}
