package dev.nervesys.bootstrap.cli;

import dev.nervesys.orchestrator.OrchestratorStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code nervesys agents list|revoke}: the agents enrolled at the orchestrators (docs/orchestrator.md). */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Agents enrolled at the orchestrators.",
        subcommands = {AgentsCommand.ListAgents.class, AgentsCommand.Revoke.class})
final class AgentsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "agents: missing subcommand (list, revoke)");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List enrolled agents (revoked ones with the time).")
    static final class ListAgents implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;

        @Override
        public Integer call() {
            OrchestratorStore store = db.open(spec);
            return db.printTable(spec, () -> store.agents());
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke an agent: its next refresh or config fetch is refused; it needs a new token to enroll again.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;
        @Parameters(paramLabel = "AGENT_ID")
        String agentId;

        @Override
        public Integer call() {
            OrchestratorStore store = db.open(spec);
            boolean found;
            try {
                found = store.revokeAgent(agentId.trim());
            } catch (Exception e) {
                throw db.failure(e);
            }
            if (!found) {
                throw new CliErrors.Failure(CliErrors.NOT_FOUND, "no enrolled agent " + agentId + "; see nervesys agents list");
            }
            spec.commandLine().getOut().println("agent " + agentId + " revoked");
            return 0;
        }
    }
}
