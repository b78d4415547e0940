package dev.nervesys.bootstrap.it.snapshots;

import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.commitFiles;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.dirFiles;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.entries;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.etag;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.keys;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.archive.S3Fixture;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.cli.ValidateCommand;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.snapshots.ConfigSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Config snapshots end to end: real agents in this JVM following a bare Git repository, S3Proxy with
 * AWS v4 auth as the Storj gateway (objects read back through an independent AWS SDK client), and
 * {@code nervesys restore --revision} giving back a commit's files byte for byte.
 */
class SnapshotE2ETest {

    static final String AGENT = "edge-snap";
    static final String PREFIX = "configs/snapshots/" + AGENT + "/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    S3Fixture s3;
    Agent agent;
    ConfigRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        s3 = new S3Fixture();
        repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", SnapshotFixtures.fastSnapshots() + "nervesys.test.word=one\n")
                .write("routes/snapshots.camel.yaml", SnapshotFixtures.route("snapshots.camel.yaml"))
                // bytes that a careless text round trip would change: CRLF, non-ASCII, a BOM, no final newline
                .write("config/notes/readme.txt", "\ufeffcaf\u00e9 \u2013 \u65e5\u672c\r\nsecond line");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        repo.close();
        s3.close();
    }

    Properties flags(int port) {
        return TestAgents.flags(AGENT, tmp.resolve("data"), repo.uri(), port);
    }

    JsonNode section(int port, String name) throws Exception {
        var r = TestAgents.get(port, "/q/dev/nervesys", null, null);
        assertThat(r.body()).doesNotContain(S3Fixture.SECRET).doesNotContain(S3Fixture.ACCESS);
        JsonNode root = JSON.readTree(r.body());
        return (root.has("nervesys") ? root.get("nervesys") : root).path(name);
    }

    String readiness(int port) throws Exception {
        JsonNode health = JSON.readTree(TestAgents.get(port, "/observe/health/ready?data=true&exposureLevel=full", null, null).body());
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals("nervesys-snapshots")) {
                // an outage is degraded, not DOWN (docs/operations.md): DOWN here means broken
                String status = check.path("status").asText();
                return status.equals("UP") && check.path("data").path("state").asText().equals("degraded") ? "DEGRADED" : status;
            }
        }
        return "absent";
    }

    void assertSnapshotIsCommit(String commit) throws Exception {
        Map<String, byte[]> tar = entries(s3.get(PREFIX + commit + ".tar.gz"));
        SortedMap<String, byte[]> files = new TreeMap<>(tar);
        JsonNode manifest = JSON.readTree(files.remove(ConfigSnapshot.MANIFEST));
        assertThat(manifest.path("revision").asText()).isEqualTo(commit);
        assertThat(manifest.path("agent").asText()).isEqualTo(AGENT);
        assertThat(manifest.path("source").asText()).startsWith("git file:").endsWith("branch main");
        SortedMap<String, byte[]> expected = commitFiles(tmp.resolve("repo/nervesys.git"), commit);
        assertThat(files.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((path, bytes) -> assertThat(files.get(path)).as(path).isEqualTo(bytes));
    }

    @Test
    void eachAppliedRevisionIsUploadedOnceAcrossRestartsAndAfterAnOutage() throws Exception {
        String c1 = repo.commit("first");
        int port = TestAgents.freePort();
        agent = TestAgents.start(flags(port), SnapshotFixtures.storjEnv(s3));
        await().atMost(Duration.ofSeconds(15)).until(() -> keys(s3, PREFIX).equals(List.of(PREFIX + c1 + ".tar.gz")));
        assertSnapshotIsCommit(c1);

        repo.write("config/application.properties", SnapshotFixtures.fastSnapshots() + "nervesys.test.word=two\n")
                .write("config/extra.yaml", "a: 1\n").delete("config/notes/readme.txt");
        String c2 = repo.commit("second: a word, a file added, one deleted");
        await().atMost(Duration.ofSeconds(15)).until(() -> keys(s3, PREFIX).size() == 2);
        assertThat(keys(s3, PREFIX)).containsExactlyInAnyOrder(PREFIX + c1 + ".tar.gz", PREFIX + c2 + ".tar.gz");
        assertSnapshotIsCommit(c2);
        JsonNode status = section(port, "snapshots");
        assertThat(status.path("lastSnapshotRevision").asText()).isEqualTo(c2);
        assertThat(status.path("pending").asInt()).isZero();
        assertThat(status.path("uploaded").asInt()).isEqualTo(2);
        assertThat(status.path("target").asText()).isEqualTo("s3://" + S3Fixture.BUCKET + " at " + s3.endpoint());
        assertThat(readiness(port)).isEqualTo("UP");
        String etag1 = etag(s3, PREFIX + c1 + ".tar.gz");
        String etag2 = etag(s3, PREFIX + c2 + ".tar.gz");

        // restart: the applied revision is handed over again, but nothing is uploaded again
        agent.close();
        agent = TestAgents.start(flags(port), SnapshotFixtures.storjEnv(s3));
        NotifyBuilder ticks = new NotifyBuilder(agent.context()).fromRoute("snapshots-upload").whenCompleted(3).create();
        assertThat(ticks.matches(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        status = section(port, "snapshots");
        assertThat(status.path("uploaded").asInt()).isZero();
        assertThat(status.path("alreadyStored").asInt()).isZero();
        assertThat(status.path("pending").asInt()).isZero();
        assertThat(status.path("lastSnapshotRevision").asText()).as("remembered from the marker").isEqualTo(c2);
        assertThat(keys(s3, PREFIX)).hasSize(2);
        assertThat(etag(s3, PREFIX + c1 + ".tar.gz")).isEqualTo(etag1);
        assertThat(etag(s3, PREFIX + c2 + ".tar.gz")).isEqualTo(etag2);

        // S3 down: the reload is applied all the same, the snapshot waits and goes up when S3 is back
        s3.stop();
        repo.write("config/application.properties", SnapshotFixtures.fastSnapshots() + "nervesys.test.word=three\n");
        String c3 = repo.commit("third, while S3 is down");
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.state().applied() != null && c3.equals(agent.state().applied().id()));
        await().atMost(Duration.ofSeconds(15)).until(() -> section(port, "snapshots").path("consecutiveFailures").asInt() >= 1);
        status = section(port, "snapshots");
        assertThat(status.path("pending").asInt()).isEqualTo(1);
        assertThat(status.path("lastError").asText()).contains("snapshot upload failed");
        assertThat(readiness(port)).isEqualTo("DEGRADED");
        s3.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> keys(s3, PREFIX).size() == 3);
        assertSnapshotIsCommit(c3);
        await().atMost(Duration.ofSeconds(5)).until(() -> section(port, "snapshots").path("pending").asInt() == 0);
        assertThat(section(port, "snapshots").path("consecutiveFailures").asInt()).isZero();
        assertThat(readiness(port)).isEqualTo("UP");
        assertThat(etag(s3, PREFIX + c1 + ".tar.gz")).isEqualTo(etag1);
    }

    @Test
    void restoreListsSnapshotsAndGivesBackACommitByteForByteThatValidates() throws Exception {
        String c1 = repo.commit("first");
        repo.write("routes/marker.camel.yaml", """
                - route:
                    id: marker
                    from:
                      uri: timer:marker
                      parameters:
                        period: 60000
                      steps:
                        - log: "{{nervesys.test.word}}"
                """).delete("config/notes/readme.txt");
        agent = TestAgents.start(flags(TestAgents.freePort()), SnapshotFixtures.storjEnv(s3));
        String c2 = repo.commit("second: a route added, a file deleted");
        await().atMost(Duration.ofSeconds(15)).until(() -> keys(s3, PREFIX).size() == 2);
        agent.close();
        agent = null;

        Map<String, String> env = SnapshotFixtures.storjEnv(s3);
        Properties cli = new Properties();
        cli.setProperty("nervesys.agentId", AGENT);
        cli.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
        Path work = Files.createDirectories(tmp.resolve("work"));

        SnapshotFixtures.Run list = restore(env, cli, work, "--list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains(c1).contains(c2).contains("2 snapshot(s)")
                .contains("s3://" + S3Fixture.BUCKET).doesNotContain(S3Fixture.SECRET);

        // a short commit id is enough when it is unique
        Path dir = tmp.resolve("restored");
        SnapshotFixtures.Run r1 = restore(env, cli, work, "--revision", c1.substring(0, 10), "--to", dir.toString());
        assertThat(r1.code()).as(r1.err()).isZero();
        assertThat(r1.out()).contains("Restored revision " + c1).contains("first");
        SortedMap<String, byte[]> restored = dirFiles(dir);
        assertThat(restored.remove(ConfigSnapshot.MANIFEST)).isNotNull();
        SortedMap<String, byte[]> commit1 = commitFiles(tmp.resolve("repo/nervesys.git"), c1);
        assertThat(restored.keySet()).containsExactlyElementsOf(commit1.keySet());
        commit1.forEach((path, bytes) -> assertThat(restored.get(path)).as(path).isEqualTo(bytes));
        assertThat(new CommandLine(new ValidateCommand()).execute(dir.toString())).as("nervesys validate DIR").isZero();

        // the directory is not empty now: refused without --force, replaced as a whole with it
        SnapshotFixtures.Run refused = restore(env, cli, work, "--revision", c2, "--to", dir.toString()).assertNoStackTrace();
        assertThat(refused.code()).isEqualTo(3);
        assertThat(refused.err()).contains("not empty").contains("--force");
        SnapshotFixtures.Run r2 = restore(env, cli, work, "--revision", c2, "--to", dir.toString(), "--force");
        assertThat(r2.code()).as(r2.err()).isZero();
        SortedMap<String, byte[]> restored2 = dirFiles(dir);
        restored2.remove(ConfigSnapshot.MANIFEST);
        SortedMap<String, byte[]> commit2 = commitFiles(tmp.resolve("repo/nervesys.git"), c2);
        assertThat(restored2.keySet()).as("the file deleted in c2 is gone").containsExactlyElementsOf(commit2.keySet());
        commit2.forEach((path, bytes) -> assertThat(restored2.get(path)).as(path).isEqualTo(bytes));
        assertThat(new CommandLine(new ValidateCommand()).execute(dir.toString())).isZero();

        // errors: a clear line and an exit code
        SnapshotFixtures.Run missing = restore(env, cli, work, "--revision", "deadbeef", "--to", tmp.resolve("x").toString())
                .assertNoStackTrace();
        assertThat(missing.code()).isEqualTo(4);
        assertThat(missing.err()).contains("no snapshot of revision deadbeef for agent " + AGENT);
        SnapshotFixtures.Run otherAgent = restore(env, cli, work, "--list", "--agent", "edge-other");
        assertThat(otherAgent.out()).contains("0 snapshot(s)").contains("0 backup(s)");
        SnapshotFixtures.Run noTo = restore(env, cli, work, "--revision", c1);
        assertThat(noTo.code()).isEqualTo(2);
        assertThat(restore(env, cli, work, "--list", "--revision", c1).code()).isEqualTo(2);
        s3.stop();
        SnapshotFixtures.Run down = restore(env, cli, work, "--list").assertNoStackTrace();
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).startsWith("restore: ").contains(S3Fixture.BUCKET).doesNotContain(S3Fixture.SECRET);
    }
}
