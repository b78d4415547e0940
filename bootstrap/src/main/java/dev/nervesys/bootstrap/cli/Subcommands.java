package dev.nervesys.bootstrap.cli;

import picocli.CommandLine;

/** Commands contributed by capabilities in the processors module. */
final class Subcommands {

    private Subcommands() {
    }

    static void addTo(CommandLine cl) {
        cl.addSubcommand(new dev.nervesys.telecrunch.cli.GenerateCommand());
        cl.addSubcommand(new dev.nervesys.telecrunch.cli.DecodeCommand());
        cl.addSubcommand(new ReportCommand());
        cl.addSubcommand(new FleetCommand());
        cl.addSubcommand(new RunsCommand());
        cl.addSubcommand(new RestoreCommand());
    }
}
