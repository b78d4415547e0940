package dev.nervesys.bootstrap.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Messages flow from a timer through a route that appends each to a file while another route is
 * replaced again and again: every message arrives exactly once.
 */
class InFlightTest extends OneAgentTest {

    private static final int MESSAGES = 1500;

    static String flow(Path out) {
        return """
                - route:
                    id: flow-source
                    from:
                      uri: timer:flow
                      parameters:
                        period: 2
                        repeatCount: %d
                        includeMetadata: true
                      steps:
                        - setBody:
                            simple:
                              expression: "${header.CamelTimerCounter}\\n"
                              trim: false
                        - to:
                            uri: "file:%s"
                            parameters:
                              fileName: flow.txt
                              fileExist: Append
                """.formatted(MESSAGES, out);
    }

    @Test
    void reloadsOfAnotherRouteLoseNothing() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("routes/flow.camel.yaml", flow(tmp.resolve("out")))
                .write("routes/other.camel.yaml", ReloadEndToEndTest.markerRoute("other", "o0", "other.txt"));
        repo.commit("flow and other");
        agent = TestAgents.start(TestAgents.flags("agent-flow", tmp.resolve("data"), repo.uri(), TestAgents.freePort()), Map.of());
        Path out = tmp.resolve("out/flow.txt");

        int reloads = 0;
        while (lines(out).size() < MESSAGES - 100 && reloads < 30) {
            repo.write("routes/other.camel.yaml", ReloadEndToEndTest.markerRoute("other", "o" + (++reloads), "other.txt"));
            String c = repo.commit("other " + reloads);
            agent.syncNow();
            assertThat(agent.state().applied().id()).isEqualTo(c);
        }
        assertThat(reloads).as("reloads happened while messages flowed").isGreaterThanOrEqualTo(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(out).size() >= MESSAGES);
        List<String> got = lines(out);
        Set<String> distinct = new HashSet<>(got);
        assertThat(got).hasSize(MESSAGES);
        assertThat(distinct).hasSize(MESSAGES);
        for (int i = 1; i <= MESSAGES; i++) {
            assertThat(distinct).contains(String.valueOf(i));
        }
    }

    private static List<String> lines(Path p) throws Exception {
        return Files.exists(p) ? Files.readAllLines(p).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }
}
