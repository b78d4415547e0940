package dev.nervesys.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.buffer.TestSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which route modules a role runs when no switch says: the web console is the orchestrator's, off on an agent. */
class RoleTest {

    @TempDir
    Path dir;

    @Test
    void defaultsByRoleAndSwitchesWin() {
        TestSettings agent = new TestSettings(dir);
        assertThat(Role.moduleOn(agent, "ingest")).isTrue();
        assertThat(Role.moduleOn(agent, "orchestrator")).isFalse();
        assertThat(Role.moduleOn(agent, Role.CONSOLE)).isFalse();

        TestSettings orchestrator = new TestSettings(dir).set("nervesys.role", "orchestrator");
        assertThat(Role.moduleOn(orchestrator, "orchestrator")).isTrue();
        assertThat(Role.moduleOn(orchestrator, "errors")).isTrue();
        assertThat(Role.moduleOn(orchestrator, Role.CONSOLE)).isTrue();
        assertThat(Role.moduleOn(orchestrator, "ingest")).isFalse();

        assertThat(Role.moduleOn(new TestSettings(dir).set("nervesys.modules.webconsole", true), Role.CONSOLE)).isTrue();
        assertThat(Role.moduleOn(new TestSettings(dir).set("nervesys.role", "orchestrator").set("nervesys.modules.webconsole", false),
                Role.CONSOLE)).isFalse();
        assertThatThrownBy(() -> Role.moduleOn(new TestSettings(dir).set("nervesys.role", "boss"), "x"))
                .hasMessage("nervesys.role must be agent or orchestrator, not 'boss'");
    }
}
