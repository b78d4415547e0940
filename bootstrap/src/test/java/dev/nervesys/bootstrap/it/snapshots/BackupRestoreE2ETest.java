package dev.nervesys.bootstrap.it.snapshots;

import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.commitFiles;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.dirFiles;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.entries;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.keys;
import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nervesys.archive.S3Fixture;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.snapshots.ConfigSnapshot;
import dev.nervesys.snapshots.SnapshotService;
import dev.nervesys.snapshots.StateBackup;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daily backups end to end: a real agent with the heartbeat's local SQLite databases, the buffer,
 * the config mirror and console users in its data dir; the backup in S3Proxy holds the state and
 * nothing else, and {@code nervesys restore --backup} puts it back (refusing while the agent runs,
 * and over existing files without --force). Then the same without any bucket: the local folder.
 */
class BackupRestoreE2ETest {

    static final String CONSOLE_PASSWORD = "s3cret-console-pass";

    @TempDir
    Path tmp;
    Agent agent;
    ConfigRepo repo;

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    String commitWithHeartbeat(String agentId) throws Exception {
        repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", SnapshotFixtures.fastSnapshots() + """
                        nervesys.heartbeat.interval=200ms
                        nervesys.heartbeat.firstDelay=100ms
                        nervesys.heartbeat.flushEvery=200ms
                        """)
                .write("routes/snapshots.camel.yaml", SnapshotFixtures.route("snapshots.camel.yaml"))
                .write("routes/heartbeat.camel.yaml", SnapshotFixtures.route("heartbeat.camel.yaml"));
        return repo.commit("snapshots and heartbeat");
    }

    static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    static String integrity(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            return rs.getString(1);
        }
    }

    static Properties cliFlags(String agentId, Path dataDir) {
        Properties p = new Properties();
        p.setProperty("nervesys.agentId", agentId);
        p.setProperty("nervesys.dataDir", dataDir.toString());
        return p;
    }

    @Test
    void theBackupHoldsTheStateButNotTheBufferAndRestoresIntoADataDir() throws Exception {
        try (S3Fixture s3 = new S3Fixture()) {
            String agentId = "edge-backup";
            String prefix = "backups/daily/" + agentId + "/";
            String c1 = commitWithHeartbeat(agentId);
            Path data = tmp.resolve("data");
            Map<String, String> env = new HashMap<>(SnapshotFixtures.storjEnv(s3));
            env.put("NERVESYS_CONSOLE_USERS", "ops:" + CONSOLE_PASSWORD);
            Properties flags = TestAgents.flags(agentId, data, repo.uri(), TestAgents.freePort());
            agent = TestAgents.start(flags, env);
            assertThat(agent.state().applied().id()).isEqualTo(c1);
            // one agent per data dir
            assertThatThrownBy(() -> TestAgents.start(TestAgents.flags(agentId, data, repo.uri(), TestAgents.freePort()), env))
                    .hasMessageContaining("data dir " + data + " is in use").hasMessageContaining("pid " + ProcessHandle.current().pid());
            Path heartbeatDb = data.resolve("heartbeat/heartbeat.db");
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> Files.exists(heartbeatDb)
                    && count(heartbeatDb, "SELECT count(*) FROM agent_status") >= 2);
            // at start today's backup was missing: it was taken at once
            await().atMost(Duration.ofSeconds(15)).until(() -> keys(s3, prefix).size() == 1);
            String key = keys(s3, prefix).get(0);
            LocalDate day = LocalDate.parse(key.substring(prefix.length(), prefix.length() + 10));
            // taken again the same day (now with heartbeats in the databases): replaces it
            SnapshotService snapshots = (SnapshotService) agent.context().getRegistry().lookupByName("snapshots");
            assertThat(snapshots.backupNow(day)).isEqualTo(key);
            assertThat(keys(s3, prefix)).containsExactly(key);

            byte[] object = s3.get(key);
            Map<String, byte[]> backup = entries(object);
            assertThat(backup.keySet()).startsWith(StateBackup.MANIFEST)
                    .contains("heartbeat/heartbeat.db", "heartbeat/spool.db", "state/last-good-revision")
                    .noneMatch(n -> n.startsWith("buffer/") || n.startsWith("config-repo.git/") || n.startsWith("archive")
                            || n.startsWith("snapshots/") || n.equals("agent.lock") || n.endsWith("-wal") || n.endsWith("-shm")
                            || n.equals("state/console-users.properties"));
            // what was left out is really there in the data dir
            assertThat(data.resolve("buffer/buffer.db")).exists();
            assertThat(data.resolve("config-repo.git")).isDirectory();
            // console users are kept in memory only: no plain-text users file in the data dir to leave out
            assertThat(data.resolve("state/console-users.properties")).doesNotExist();
            assertThat(new String(new GZIPInputStream(new ByteArrayInputStream(object)).readAllBytes(), StandardCharsets.ISO_8859_1))
                    .as("no secret in the backup").doesNotContain(CONSOLE_PASSWORD).doesNotContain(S3Fixture.SECRET);
            assertThat(new String(backup.get("state/last-good-revision"), StandardCharsets.UTF_8)).isEqualTo(c1);
            Path copy = tmp.resolve("from-backup.db");
            Files.write(copy, backup.get("heartbeat/heartbeat.db"));
            assertThat(integrity(copy)).isEqualTo("ok");
            long beatsInBackup = count(copy, "SELECT count(*) FROM agent_status");
            assertThat(beatsInBackup).isGreaterThanOrEqualTo(2);

            // refused while the agent runs on the data dir
            Path work = Files.createDirectories(tmp.resolve("work"));
            SnapshotFixtures.Run running = restore(env, cliFlags(agentId, data), work, "--backup", day.toString()).assertNoStackTrace();
            assertThat(running.code()).isEqualTo(3);
            assertThat(running.err()).contains("in use").contains("agent " + agentId).contains("stop the agent first");
            agent.close();
            agent = null;

            // into a new data dir: the files of the backup, byte for byte
            Path fresh = tmp.resolve("fresh");
            SnapshotFixtures.Run r = restore(env, cliFlags(agentId, data), work, "--backup", day.toString(),
                    "--data-dir", fresh.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("Restored the backup of " + day + " of agent " + agentId);
            SortedMap<String, byte[]> expected = new TreeMap<>(backup);
            expected.remove(StateBackup.MANIFEST);
            SortedMap<String, byte[]> restored = dirFiles(fresh);
            restored.remove("agent.lock");
            assertThat(restored.keySet()).containsExactlyElementsOf(expected.keySet());
            expected.forEach((path, bytes) -> assertThat(restored.get(path)).as(path).isEqualTo(bytes));

            // over the old data dir: refused without --force, done with it
            SnapshotFixtures.Run conflict = restore(env, cliFlags(agentId, data), work, "--backup", day.toString()).assertNoStackTrace();
            assertThat(conflict.code()).isEqualTo(3);
            assertThat(conflict.err()).contains("exist in " + data + " already").contains("--force");
            SnapshotFixtures.Run forced = restore(env, cliFlags(agentId, data), work, "--backup", day.toString(), "--force");
            assertThat(forced.code()).as(forced.err()).isZero();
            assertThat(count(heartbeatDb, "SELECT count(*) FROM agent_status")).isEqualTo(beatsInBackup);
            assertThat(data.resolve("heartbeat/heartbeat.db-wal")).doesNotExist();

            Path none = tmp.resolve("none");
            SnapshotFixtures.Run missing = restore(env, cliFlags(agentId, data), work, "--backup", "2001-01-01",
                    "--data-dir", none.toString()).assertNoStackTrace();
            assertThat(missing.code()).isEqualTo(4);
            assertThat(missing.err()).contains("no backup of 2001-01-01 for agent " + agentId);
            assertThat(none).as("nothing created for nothing found").doesNotExist();
            assertThat(restore(env, cliFlags(agentId, data), work, "--backup", "yesterday").code()).isEqualTo(2);

            // an agent runs on the restored data dir, and goes on with the restored heartbeats
            agent = TestAgents.start(TestAgents.flags(agentId, fresh, repo.uri(), TestAgents.freePort()), env);
            assertThat(agent.state().applied().id()).isEqualTo(c1);
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                    count(fresh.resolve("heartbeat/heartbeat.db"), "SELECT count(*) FROM agent_status") > beatsInBackup);
        }
    }

    @Test
    void withoutABucketSnapshotsAndBackupsGoToTheLocalArchiveFolder() throws Exception {
        String agentId = "edge-local";
        repo = new ConfigRepo(tmp.resolve("repo"));
        repo.write("config/application.properties", SnapshotFixtures.fastSnapshots())
                .write("routes/snapshots.camel.yaml", SnapshotFixtures.route("snapshots.camel.yaml"));
        String c1 = repo.commit("local only");
        Path data = tmp.resolve("data");
        agent = TestAgents.start(TestAgents.flags(agentId, data, repo.uri(), TestAgents.freePort()), Map.of());
        Path snapshot = data.resolve("archive/configs/snapshots/" + agentId + "/" + c1 + ".tar.gz");
        Path backups = data.resolve("archive/backups/daily/" + agentId);
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(snapshot) && Files.isDirectory(backups)
                && dirFiles(backups).size() == 1);
        Map<String, byte[]> tar = new TreeMap<>(entries(Files.readAllBytes(snapshot)));
        tar.remove(ConfigSnapshot.MANIFEST);
        SortedMap<String, byte[]> commit = commitFiles(tmp.resolve("repo/nervesys.git"), c1);
        assertThat(tar.keySet()).containsExactlyElementsOf(commit.keySet());
        commit.forEach((p, b) -> assertThat(tar.get(p)).as(p).isEqualTo(b));
        String day = dirFiles(backups).firstKey().substring(0, 10);
        assertThat(entries(Files.readAllBytes(backups.resolve(day + ".tar.gz"))).keySet())
                .containsExactly(StateBackup.MANIFEST, "state/last-good-revision");
        agent.close();
        agent = null;

        Path work = Files.createDirectories(tmp.resolve("work"));
        Properties cli = cliFlags(agentId, data);
        SnapshotFixtures.Run list = restore(Map.of(), cli, work, "--list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains(data.resolve("archive").toString()).contains(c1).contains(day)
                .contains("1 snapshot(s)").contains("1 backup(s)");
        Path dir = tmp.resolve("restored");
        SnapshotFixtures.Run r = restore(Map.of(), cli, work, "--revision", c1, "--to", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        SortedMap<String, byte[]> restored = dirFiles(dir);
        restored.remove(ConfigSnapshot.MANIFEST);
        assertThat(restored.keySet()).containsExactlyElementsOf(commit.keySet());
        commit.forEach((p, b) -> assertThat(restored.get(p)).as(p).isEqualTo(b));
        // the local backup restores the state in place (last-good-revision exists: only with --force)
        Files.writeString(data.resolve("state/last-good-revision"), "changed");
        assertThat(restore(Map.of(), cli, work, "--backup", day).code()).isEqualTo(3);
        SnapshotFixtures.Run back = restore(Map.of(), cli, work, "--backup", day, "--force");
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(Files.readString(data.resolve("state/last-good-revision"))).isEqualTo(c1);
        assertThat(List.of(data.resolve(".restore-staging"), data.resolve(".restore-" + day + ".tar.gz")))
                .allSatisfy(p -> assertThat(p).doesNotExist());
    }
}
