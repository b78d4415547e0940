package dev.nervesys.bootstrap.it;

import dev.nervesys.bootstrap.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three agents on one config repo converge on each commit; an agent overlay switches a module off on one. */
class FleetTest {

    @TempDir
    Path tmp;
    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stop() {
        agents.forEach(Agent::close);
    }

    @Test
    void agentsConvergeAndOverlaysApplyPerAgent() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("config/agents/agent-b.properties", "nervesys.modules.extra=false\n")
                .write("routes/base.camel.yaml", ReloadEndToEndTest.markerRoute("base", "base-1 ${camelContext.name}", "${camelContext.name}-base.txt"));
        String c1 = repo.commit("base module");
        for (String id : List.of("agent-a", "agent-b", "agent-c")) {
            agents.add(TestAgents.start(TestAgents.flags(id, tmp.resolve("data-" + id), repo.uri(), TestAgents.freePort()), Map.of()));
        }
        assertThat(agents).allSatisfy(a -> assertThat(a.state().applied().id()).isEqualTo(c1));

        repo.write("routes/extra.camel.yaml", ReloadEndToEndTest.markerRoute("extra", "extra-1", "${camelContext.name}-extra.txt"))
                .write("routes/base.camel.yaml", ReloadEndToEndTest.markerRoute("base", "base-2", "${camelContext.name}-base.txt"));
        String c2 = repo.commit("add extra module, change base");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(agents).allSatisfy(a -> assertThat(a.state().applied().id()).isEqualTo(c2)));

        assertThat(agents.get(0).routeIds()).containsExactly("base", "extra");
        assertThat(agents.get(1).routeIds()).containsExactly("base");
        assertThat(agents.get(2).routeIds()).containsExactly("base", "extra");
        assertThat(agents.get(1).state().modules()).containsEntry("routes/extra.camel.yaml", false)
                .containsEntry("routes/base.camel.yaml", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : List.of("agent-a", "agent-b", "agent-c")) {
                assertThat(read("nervesys-" + id + "-base.txt")).isEqualTo("base-2");
            }
            assertThat(read("nervesys-agent-a-extra.txt")).isEqualTo("extra-1");
            assertThat(read("nervesys-agent-c-extra.txt")).isEqualTo("extra-1");
        });
        assertThat(read("nervesys-agent-b-extra.txt")).isNull();
    }

    private String read(String name) throws Exception {
        Path p = tmp.resolve("markers").resolve(name);
        return Files.exists(p) ? Files.readString(p) : null;
    }
}
