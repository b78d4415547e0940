package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.spi.Role;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nervesys orchestrator}: runs this jar as the fleet's orchestrator ({@code run} with {@code nervesys.role=orchestrator}). */
@Command(name = "orchestrator", mixinStandardHelpOptions = true,
        description = {"Run the fleet orchestrator: enrollment and config fan-out (docs/orchestrator.md).",
                "Needs nervesys.postgres.url (NERVESYS_POSTGRES_URL); settings as for run."})
final class OrchestratorCommand implements Callable<Integer> {

    private final SettingsResolver resolver;

    OrchestratorCommand(SettingsResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public Integer call() throws Exception {
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        return new RunCommand(r.withFlag(Role.ROLE.key(), Role.ORCHESTRATOR)).call();
    }
}
