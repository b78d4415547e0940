package dev.nervesys.bootstrap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole loop against a real bare Git repository: a route is added, changed through a property,
 * broken three ways, fixed, joined by another file and deleted, commit after commit; after each,
 * what runs is checked by its effect (a marker file) and the console shows the applied or
 * rejected revision.
 */
class ReloadEndToEndTest extends OneAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String markerRoute(String id, String body, String file) {
        return """
                - route:
                    id: %s
                    from:
                      uri: timer:%s
                      parameters:
                        period: 100
                      steps:
                        - setBody:
                            simple: "%s"
                        - to:
                            uri: "file:{{nervesys.test.markerDir}}"
                            parameters:
                              fileName: %s
                              fileExist: Override
                """.formatted(id, id, body, file);
    }

    private String marker(String name) throws Exception {
        Path p = tmp.resolve("markers").resolve(name);
        return Files.exists(p) ? Files.readString(p) : null;
    }

    private JsonNode console(int port) throws Exception {
        HttpResponse<String> r = TestAgents.get(port, "/q/dev/nervesys", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode root = JSON.readTree(r.body());
        return root.has("nervesys") ? root.get("nervesys") : root;
    }

    @Test
    void addChangeBreakFixDelete() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\nnervesys.test.word=one\n")
                .write("routes/marker.camel.yaml", markerRoute("marker", "v1 {{nervesys.test.word}}", "marker.txt"));
        String c1 = repo.commit("add marker route");

        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-e2e", tmp.resolve("data"), repo.uri(), port);
        // as in production: the Camel CLI connector on, which validation contexts must not disturb
        flags.setProperty("nervesys.cli.enabled", "true");
        agent = TestAgents.start(flags, Map.of());
        assertThat(agent.state().applied().id()).isEqualTo(c1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "v1 one".equals(marker("marker.txt")));
        assertThat(console(port).path("config").path("appliedRevision").asText()).isEqualTo(c1);

        // a change of a property rebuilds the route that uses it
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\nnervesys.test.word=two\n");
        String c2 = repo.commit("change the word");
        awaitApplied(c2);
        await().atMost(Duration.ofSeconds(10)).until(() -> "v1 two".equals(marker("marker.txt")));

        // broken: YAML syntax error
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "v2", "marker.txt") + "  - oops: [unclosed\n");
        String c3 = repo.commit("break the yaml");
        JsonNode rejected = awaitRejected(port, c3);
        assertThat(rejected.path("rejectedError").asText()).startsWith("routes/marker.camel.yaml:");
        assertThat(rejected.path("rejectedMessage").asText()).isEqualTo("break the yaml");
        assertStillRunning("marker.txt", "v1 two");
        assertThat(agent.state().applied().id()).isEqualTo(c2);

        // broken: unknown component
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "v2", "marker.txt").replace("uri: \"file:", "uri: \"nosuchcomponent:"));
        String c4 = repo.commit("unknown component");
        assertThat(awaitRejected(port, c4).path("rejectedError").asText())
                .contains("routes/marker.camel.yaml:11").contains("nosuchcomponent");
        assertStillRunning("marker.txt", "v1 two");

        // broken: missing bean
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "v2", "marker.txt") + """
                        - bean:
                            ref: noSuchBean
                """);
        String c5 = repo.commit("missing bean");
        assertThat(awaitRejected(port, c5).path("rejectedError").asText()).contains("noSuchBean").contains("routes/marker.camel.yaml:16");
        assertStillRunning("marker.txt", "v1 two");

        // fixed, and a second module added
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "v3", "marker.txt"))
                .write("routes/second.camel.yaml", markerRoute("second", "s1", "second.txt"));
        String c6 = repo.commit("fix and add a second module");
        awaitApplied(c6);
        await().atMost(Duration.ofSeconds(10)).until(() -> "v3".equals(marker("marker.txt")) && "s1".equals(marker("second.txt")));
        assertThat(agent.routeIds()).containsExactly("marker", "second");
        JsonNode modules = console(port).path("modules");
        assertThat(modules.findValuesAsText("module")).containsExactly("marker", "second");

        // deleted file: its routes go, the other module keeps running
        repo.delete("routes/marker.camel.yaml");
        String c7 = repo.commit("delete the marker module");
        awaitApplied(c7);
        assertThat(agent.routeIds()).containsExactly("second");
        Files.delete(tmp.resolve("markers/marker.txt"));
        Files.delete(tmp.resolve("markers/second.txt"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "s1".equals(marker("second.txt")));
        assertThat(marker("marker.txt")).isNull();
        assertThat(agent.context().getStatus().isStarted()).isTrue();
        // camel-cli-connector: `camel get` reads the process's status file
        Path status = Path.of(System.getProperty("user.home"), ".camel", ProcessHandle.current().pid() + "-status.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(status)
                && Files.readString(status).contains("\"name\":\"nervesys-agent-e2e\""));
    }

    @Test
    void restartsFromTheLastGoodRevisionWhenTheRepoIsUnreachable() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("routes/marker.camel.yaml", markerRoute("marker", "good", "marker.txt"));
        String good = repo.commit("good");
        Properties flags = TestAgents.flags("agent-offline", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        agent = TestAgents.start(flags, Map.of());
        assertThat(agent.state().applied().id()).isEqualTo(good);
        repo.write("routes/marker.camel.yaml", "- route: [broken\n");
        String bad = repo.commit("bad");
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().rejected() != null && bad.equals(agent.state().rejected().id()));
        agent.close();
        agent = null;

        // the repo is gone: the agent starts from the last good commit kept in its mirror
        Path moved = tmp.resolve("repo/moved.git");
        Files.move(tmp.resolve("repo/nervesys.git"), moved);
        Files.deleteIfExists(tmp.resolve("markers/marker.txt"));
        agent = TestAgents.start(flags, Map.of());
        assertThat(agent.state().applied().id()).isEqualTo(good);
        assertThat(agent.state().syncError()).isNotBlank();
        await().atMost(Duration.ofSeconds(10)).until(() -> "good".equals(marker("marker.txt")));

        // back online with a fix: applied at the next poll
        Files.move(moved, tmp.resolve("repo/nervesys.git"));
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "fixed", "marker.txt"));
        String fixed = repo.commit("fixed");
        await().atMost(Duration.ofSeconds(15)).until(() -> fixed.equals(agent.state().applied().id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> "fixed".equals(marker("marker.txt")));
        assertThat(agent.state().syncError()).isNull();
    }

    @Test
    void settingsAndFilesReadAtStartAreReportedAsNeedingARestart() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n")
                .write("routes/marker.camel.yaml", markerRoute("marker", "r1", "marker.txt"));
        repo.commit("start");
        agent = TestAgents.start(TestAgents.flags("agent-restart", tmp.resolve("data"), repo.uri(), TestAgents.freePort()), Map.of());
        assertThat(agent.state().toMap()).doesNotContainKey("restartNeededFor");

        // thresholds are read by the heartbeat beans at start; the buffer cap by the buffer
        repo.write("config/thresholds.yaml", Files.readString(Path.of("../config/thresholds.yaml")))
                .write("config/classifier/critical.txt", Files.readString(Path.of("../config/classifier/critical.txt")))
                .write("config/classifier/normal.txt", Files.readString(Path.of("../config/classifier/normal.txt")))
                .write("config/application.properties", "nervesys.test.markerDir=" + tmp.resolve("markers")
                        + "\nnervesys.buffer.maxBytes=50MB\n");
        String c2 = repo.commit("thresholds and a smaller buffer");
        awaitApplied(c2);
        assertThat(String.valueOf(agent.state().toMap().get("restartNeededFor")))
                .contains("config/thresholds.yaml").contains("nervesys.buffer.maxBytes");

        // a later route-only change does not make the agent forget that it still runs the old ones
        repo.write("routes/marker.camel.yaml", markerRoute("marker", "r2", "marker.txt"));
        String c3 = repo.commit("route only");
        awaitApplied(c3);
        assertThat(String.valueOf(agent.state().toMap().get("restartNeededFor")))
                .contains("config/thresholds.yaml").contains("nervesys.buffer.maxBytes");
        await().atMost(Duration.ofSeconds(10)).until(() -> "r2".equals(marker("marker.txt")));
    }

    @Test
    void aPlainDirectoryIsWatchedTheSameWay() throws Exception {
        Path dir = tmp.resolve("plain");
        Files.createDirectories(dir.resolve("routes"));
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/application.properties"), "nervesys.test.markerDir=" + tmp.resolve("markers") + "\n");
        Files.writeString(dir.resolve("routes/marker.camel.yaml"), markerRoute("marker", "d1", "marker.txt"));
        agent = TestAgents.start(TestAgents.flags("agent-dir", tmp.resolve("data"), dir.toString(), TestAgents.freePort()), Map.of());
        String first = agent.state().applied().id();
        assertThat(first).startsWith("local-");
        await().atMost(Duration.ofSeconds(10)).until(() -> "d1".equals(marker("marker.txt")));

        Files.writeString(dir.resolve("routes/marker.camel.yaml"), markerRoute("marker", "d2", "marker.txt"));
        await().atMost(Duration.ofSeconds(15)).until(() -> !first.equals(agent.state().applied().id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> "d2".equals(marker("marker.txt")));

        Files.writeString(dir.resolve("routes/marker.camel.yaml"), "- route: [broken\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().rejected() != null);
        assertThat(agent.state().rejected().error()).startsWith("routes/marker.camel.yaml:");
        assertStillRunning("marker.txt", "d2");
    }

    private void awaitApplied(String commit) {
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().applied() != null && commit.equals(agent.state().applied().id()));
    }

    private JsonNode awaitRejected(int port, String commit) throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().rejected() != null && commit.equals(agent.state().rejected().id()));
        JsonNode config = console(port).path("config");
        assertThat(config.path("rejectedRevision").asText()).isEqualTo(commit);
        return config;
    }

    /** The old route keeps doing its work: remove its marker and see it written again. */
    private void assertStillRunning(String file, String content) throws Exception {
        Files.deleteIfExists(tmp.resolve("markers").resolve(file));
        await().atMost(Duration.ofSeconds(10)).until(() -> content.equals(marker(file)));
    }
}
