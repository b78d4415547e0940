package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.config.SettingsResolver;
import picocli.CommandLine;

import java.nio.file.Path;

/** The subcommands of {@code nervesys}, in the order of its help, with commands contributed by capabilities in the processors module. */
final class Subcommands {

    private Subcommands() {
    }

    /** {@code resolver} and {@code workDir} null: this process's environment and -D flags, the current directory. */
    static void addTo(CommandLine cl, RunCommand run, SettingsResolver resolver, Path workDir) {
        cl.addSubcommand(run);
        cl.addSubcommand(new OrchestratorCommand(resolver));
        cl.addSubcommand(new ValidateCommand());
        cl.addSubcommand(new dev.nervesys.telecrunch.cli.GenerateCommand());
        cl.addSubcommand(new dev.nervesys.telecrunch.cli.DecodeCommand());
        cl.addSubcommand(new ReportCommand(resolver, workDir));
        cl.addSubcommand(new FleetCommand());
        cl.addSubcommand(new TokenCommand());
        cl.addSubcommand(new AgentsCommand());
        cl.addSubcommand(new RolloutCommand());
        cl.addSubcommand(new RunsCommand());
        cl.addSubcommand(new RestoreCommand(resolver, workDir));
        cl.addSubcommand(new dev.nervesys.webconsole.ConsoleCommand());
        cl.addSubcommand(new AlertsCommand(resolver, workDir));
    }
}
