package dev.nervesys.bootstrap.cli;

import dev.nervesys.common.PinnedTls;
import dev.nervesys.orchestrator.OrchestratorStore;
import dev.nervesys.orchestrator.OrchestratorTls;
import dev.nervesys.orchestrator.Secrets;
import dev.nervesys.spi.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code nervesys token create|list|revoke}: enrollment tokens of the orchestrators (docs/orchestrator.md). */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Enrollment tokens: an agent started with NERVESYS_ENROLL_TOKEN and NERVESYS_ORCHESTRATOR_URL joins a group.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "token: missing subcommand (create, list, revoke)");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token and print it (shown this once: only its SHA-256 is stored).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;
        @Option(names = "--group", required = true, description = "the group the agents join (config/groups/<group>.properties of the orchestrator)")
        String group;
        @Option(names = "--uses", defaultValue = "1", description = "how many agents may enroll with it (default 1)")
        int uses;
        @Option(names = "--ttl", defaultValue = "24h", description = "how long it is valid: 30m, 24h, 7d (default 24h)")
        String ttl;
        @Option(names = "--tls-cert", paramLabel = "PEM", defaultValue = "${env:NERVESYS_ORCHESTRATOR_TLS_CERT}",
                description = "the orchestrators' own certificate (nervesys.orchestrator.tls.cert) whose fingerprint the token "
                        + "carries; default: the self-signed certificate in the database, if the orchestrators made one")
        String tlsCert;

        @Override
        public Integer call() {
            Duration d;
            try {
                d = Sizes.parseDuration(ttl);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--ttl: '" + ttl + "' is not a duration (30m, 24h, 7d)");
            }
            if (uses < 1) {
                throw new ParameterException(spec.commandLine(), "--uses: must be at least 1, not " + uses);
            }
            if (!dev.nervesys.orchestrator.Groups.validName(group)) {
                throw new ParameterException(spec.commandLine(), "--group: '" + group + "' is not a group name (letters, digits, '-', '_')");
            }
            OrchestratorStore store = db.open(spec);
            String fingerprint = null;
            if (tlsCert != null && !tlsCert.isBlank()) {
                try {
                    fingerprint = OrchestratorTls.fingerprintOfPem(java.nio.file.Path.of(tlsCert.strip()));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--tls-cert: " + e.getMessage());
                }
            }
            OrchestratorStore.CreatedToken t;
            try {
                if (fingerprint == null) {
                    fingerprint = OrchestratorTls.storedFingerprint(store);
                }
                t = store.createToken(group, uses, d);
            } catch (Exception e) {
                throw db.failure(e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(Secrets.withPin(t.token(), fingerprint));
            if (fingerprint != null) {
                spec.commandLine().getErr().println("orchestrator certificate SHA-256 " + PinnedTls.display(fingerprint)
                        + " (in the token: the agent pins it at enrollment and refuses any other)");
            }
            spec.commandLine().getErr().println("token " + t.tokenId() + " for group " + group + ", " + uses
                    + " use(s), expires " + t.expiresAt() + " (printed once: only its hash is stored)");
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (ids, never the tokens).")
    static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;

        @Override
        public Integer call() {
            OrchestratorStore store = db.open(spec);
            return db.printTable(spec, () -> store.tokens());
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token: agents can no longer enroll with it.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OrchestratorDatabase db;
        @Parameters(paramLabel = "TOKEN_ID", description = "the token's id (token list, or the line token create printed)")
        String tokenId;

        @Override
        public Integer call() {
            OrchestratorStore store = db.open(spec);
            boolean found;
            try {
                found = store.revokeToken(tokenId.trim());
            } catch (Exception e) {
                throw db.failure(e);
            }
            if (!found) {
                throw new CliErrors.Failure(CliErrors.NOT_FOUND, "no token " + tokenId + "; see nervesys token list");
            }
            spec.commandLine().getOut().println("token " + tokenId + " revoked");
            return 0;
        }
    }
}
