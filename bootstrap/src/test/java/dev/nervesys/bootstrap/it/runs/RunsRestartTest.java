package dev.nervesys.bootstrap.it.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 through the real runtime: a run live when its agent stops is ended at the next start with
 * reason {@code restart}, answers on its own URL like in the list, can be ended by the API, and records
 * sent after the restart resume it with its name and start.
 */
class RunsRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");

    @TempDir
    Path tmp;
    private Agent agent;
    private String db;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (db != null) {
            ch("DROP DATABASE IF EXISTS " + db);
        }
    }

    private static String ch(String sql) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(CH + "/")).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    private static HttpResponse<String> http(String method, String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRunLiveAtShutdownEndsWithReasonRestartAndResumesWithData() throws Exception {
        db = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : List.of("ingest", "clickhouse", "runs", "live")) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(Path.of("../routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.clickhouse.url=" + CH + "\nnervesys.clickhouse.database=" + db
                + "\nnervesys.runs.checkEvery=200ms\n");
        repo.commit("runs config");
        int ingestPort = TestAgents.freePort();
        int livePort = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-restart", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.ingest.port", String.valueOf(ingestPort));
        flags.setProperty("nervesys.ingest.host", "127.0.0.1");
        flags.setProperty("nervesys.live.port", String.valueOf(livePort));
        flags.setProperty("nervesys.live.host", "127.0.0.1");
        String ingest = "http://127.0.0.1:" + ingestPort;
        String api = "http://127.0.0.1:" + livePort;

        agent = TestAgents.start(flags, Map.of());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http("GET", api + "/runs", null).statusCode() == 200);
        assertThat(http("POST", api + "/runs/rs/start", "{\"name\":\"before restart\",\"engine\":\"v8\"}").statusCode()).isEqualTo(200);
        assertThat(http("POST", ingest + "/ingest", RunsEndToEndTest.records("rs", 0, 100)).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(60)).until(() -> ch("SELECT count() FROM " + db + ".series WHERE run_id = 'rs'").equals("200"));
        await().atMost(Duration.ofSeconds(30)).until(() -> ch("SELECT status FROM " + db + ".runs FINAL WHERE run_id = 'rs'").equals("live"));
        JsonNode before = JSON.readTree(http("GET", api + "/runs/rs", null).body());
        agent.close(); // the agent stops with the run live
        agent = null;

        agent = TestAgents.start(flags, Map.of());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> JSON.readTree(http("GET", api + "/runs/rs", null).body()).path("end_reason").asText().equals("restart"));
        JsonNode after = JSON.readTree(http("GET", api + "/runs/rs", null).body());
        assertThat(after.path("status").asText()).isEqualTo("ended");
        assertThat(after.path("name").asText()).isEqualTo("before restart");
        assertThat(after.path("started_at").asText()).isEqualTo(before.path("started_at").asText()).matches(".*\\.\\d{3}Z");
        // the list and the run's own URL agree, field for field
        await().atMost(Duration.ofSeconds(30)).until(() -> ch("SELECT end_reason FROM " + db + ".runs FINAL WHERE run_id = 'rs'").equals("restart"));
        JsonNode listed = null;
        for (JsonNode r : JSON.readTree(http("GET", api + "/runs", null).body())) {
            if (r.path("run_id").asText().equals("rs")) {
                listed = r;
            }
        }
        assertThat(listed).isEqualTo(after);
        // ending it by the API answers the run (not 404 "no run on this agent")
        HttpResponse<String> end = http("POST", api + "/runs/rs/end", null);
        assertThat(end.statusCode()).as(end.body()).isEqualTo(200);
        // records after the restart resume it, with its name and start
        assertThat(http("POST", ingest + "/ingest", RunsEndToEndTest.records("rs", 100, 10)).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> JSON.readTree(http("GET", api + "/runs/rs", null).body()).path("status").asText().equals("live"));
        JsonNode resumed = JSON.readTree(http("GET", api + "/runs/rs", null).body());
        assertThat(resumed.path("name").asText()).isEqualTo("before restart");
        assertThat(resumed.path("started_at").asText()).isEqualTo(before.path("started_at").asText());
    }
}
