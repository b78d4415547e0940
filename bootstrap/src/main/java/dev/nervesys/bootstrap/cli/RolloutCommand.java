package dev.nervesys.bootstrap.cli;

import dev.nervesys.orchestrator.Canary;
import dev.nervesys.orchestrator.Rollouts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code nervesys rollout list|promote|halt}: the orchestrators' staged rollouts (docs/orchestrator.md). */
@Command(name = "rollout", mixinStandardHelpOptions = true, description = "Staged rollouts of config commits.",
        subcommands = {RolloutCommand.ListRollouts.class, RolloutCommand.Promote.class, RolloutCommand.Halt.class})
final class RolloutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "rollout: missing subcommand (list, promote, halt)");
    }

    private static Rollouts rollouts(OrchestratorDatabase db, CommandSpec spec) {
        // transitions only: the canary set and the soak are the orchestrators' settings
        return new Rollouts(db.open(spec), Canary.parse("none"), Duration.ZERO, Clock.systemUTC());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The newest rollouts with their state.")
    static final class ListRollouts implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;

        @Override
        public Integer call() {
            Rollouts rollouts = rollouts(db, spec);
            return db.printTable(spec, () -> rollouts.list());
        }
    }

    abstract static class Transition implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;
        @Parameters(paramLabel = "SHA", description = "the commit of the running rollout (at least 4 hex digits)")
        String sha;

        abstract String state();

        @Override
        public Integer call() {
            Rollouts rollouts = rollouts(db, spec);
            try {
                rollouts.set(sha.trim(), state());
            } catch (IllegalArgumentException e) {
                throw new CliErrors.Failure(CliErrors.FAILED, e.getMessage() + "; see nervesys rollout list", e);
            } catch (Exception e) {
                throw db.failure(e);
            }
            spec.commandLine().getOut().println("rollout of " + sha.trim() + " " + state());
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Give the rollout's commit to every agent now.")
    static final class Promote extends Transition {
        @Override
        String state() {
            return "promoted";
        }
    }

    @Command(name = "halt", mixinStandardHelpOptions = true, description = "Stop the rollout: every agent is served the previous commit.")
    static final class Halt extends Transition {
        @Override
        String state() {
            return "halted";
        }
    }
}
