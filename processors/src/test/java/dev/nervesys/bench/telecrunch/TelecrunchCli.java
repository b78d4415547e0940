package dev.nervesys.bench.telecrunch;

import dev.nervesys.telecrunch.cli.DecodeCommand;
import dev.nervesys.telecrunch.cli.GenerateCommand;
import picocli.CommandLine;

/**
 * Runs generate/decode from the test classpath for benchmarks, before the bootstrap jar exists:
 * {@code java -cp ... dev.nervesys.bench.telecrunch.TelecrunchCli generate --schema ...}.
 */
public final class TelecrunchCli {

    @CommandLine.Command(name = "nervesys", subcommands = {GenerateCommand.class, DecodeCommand.class})
    static final class Root {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Root()).execute(args));
    }
}
