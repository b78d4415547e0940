package dev.nervesys.bootstrap.it.orchestrator;

import dev.nervesys.heartbeat.PgDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The orchestrator's commands fail with one clear line and their exit code (docs/operations.md). */
class OrchestratorCommandsTest {

    @Test
    void badUsageUnreachableDatabaseAndUnknownNamesGetOneLineEach() throws Exception {
        Orchestrators.Result ttl = Orchestrators.cli("token", "create", "--group", "edge", "--ttl", "soon",
                "--postgres", "jdbc:postgresql://127.0.0.1:5432/x");
        assertThat(ttl.code()).isEqualTo(2);
        assertThat(ttl.err()).contains("--ttl: 'soon' is not a duration (30m, 24h, 7d)");

        Orchestrators.Result group = Orchestrators.cli("token", "create", "--group", "../etc", "--postgres", "jdbc:postgresql://127.0.0.1:5432/x");
        assertThat(group.code()).isEqualTo(2);
        assertThat(group.err()).contains("--group: '../etc' is not a group name");

        Orchestrators.Result notPg = Orchestrators.cli("agents", "list", "--postgres", "jdbc:sqlite:/tmp/x.db");
        assertThat(notPg.code()).isEqualTo(2);
        assertThat(notPg.err()).contains("is not a PostgreSQL URL");

        Orchestrators.Result down = Orchestrators.cli("agents", "list", "--postgres", "jdbc:postgresql://127.0.0.1:1/x");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach PostgreSQL at 127.0.0.1:1").doesNotContain("\tat ");

        try (PgDatabase db = new PgDatabase("orch_")) {
            String url = Orchestrators.cliUrl(db);
            Orchestrators.Result promote = Orchestrators.cli("rollout", "promote", "abcdef12", "--postgres", url);
            assertThat(promote.code()).isEqualTo(1);
            assertThat(promote.err()).contains("no rollout of abcdef12 is running; the newest is none; see nervesys rollout list");
            Orchestrators.Result revoke = Orchestrators.cli("token", "revoke", "000000000000", "--postgres", url);
            assertThat(revoke.code()).isEqualTo(4);
            assertThat(revoke.err()).contains("no token 000000000000");
            assertThat(Orchestrators.cli("agents", "list", "--postgres", url).out()).isEqualTo("none" + System.lineSeparator());
        }
    }
}
