package dev.nervesys.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily backup of a data dir laid out as a running agent leaves it (real SQLite databases in WAL
 * mode with commits still in their WAL, the buffer, archives, the config mirror, the console users
 * file) and its restore: what goes in, what stays out, and that databases come back whole.
 */
class StateBackupTest {

    @TempDir
    Path tmp;

    Path data;

    static Connection walDb(Path file, int rows) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0"); // commits stay in the -wal file, as between checkpoints
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 0; i < rows; i++) {
                s.execute("INSERT INTO t (v) VALUES ('row " + i + "')");
            }
        }
        return c;
    }

    static int rows(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            return rs.getInt(1);
        }
    }

    void write(String rel, String text) throws Exception {
        Path p = data.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    StateBackup backup() {
        Set<Path> excluded = new LinkedHashSet<>(StateBackup.alwaysExcluded(data));
        excluded.add(data.resolve("reports"));
        return new StateBackup(data, excluded);
    }

    @Test
    void backupHoldsTheStateWithConsistentDatabasesAndRestoresIt() throws Exception {
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("heartbeat"));
        Files.createDirectories(data.resolve("buffer"));
        write("state/last-good-revision", "0123456789abcdef0123456789abcdef01234567");
        write("state/console-users.properties", "user.alice=secret1,operator\n");
        write("enrollment/enrollment.json", "{\"credential\": \"nva_secret\"}");
        write("orchestrator/config.git/HEAD", "ref: refs/heads/main\n");
        write("archive/logs/srv/2025-12-10/08-00.json.gz", "archived");
        write("archive-work/logs_srv_x.json.gz", "work");
        write("config-repo.git/HEAD", "ref: refs/heads/main\n");
        write("snapshots/pending/abc.tar.gz", "pending");
        write("reports/Daily/2025-12-10_summary.pdf", "%PDF");
        write("agent.lock", "pid 1\n");
        write("alerts/notes.txt", "caf\u00e9");
        try (Connection spool = walDb(data.resolve("heartbeat/spool.db"), 25);
             Connection buffer = walDb(data.resolve("buffer/buffer.db"), 3);
             Connection deadLetters = walDb(data.resolve("dead-letters.db"), 2)) {
            assertThat(data.resolve("heartbeat/spool.db-wal")).exists();
            // what a raw copy of the live main file would hold: not the commits still in the WAL
            Files.copy(data.resolve("heartbeat/spool.db"), tmp.resolve("raw-copy.db"));
            assertThatThrownBy(() -> rows(tmp.resolve("raw-copy.db"))).isInstanceOf(SQLException.class);

            Path archive = tmp.resolve("backup.tar.gz");
            StateBackup.Written w = backup().write(archive, tmp.resolve("scratch"), Map.of("agent", "edge-1"),
                    Instant.parse("2025-12-10T03:00:00Z"));
            assertThat(w.paths()).containsExactly("alerts/notes.txt", "dead-letters.db", "heartbeat/spool.db",
                    "state/last-good-revision");
            assertThat(w.sqliteFiles()).isEqualTo(2);
            assertThat(tmp.resolve("scratch")).doesNotExist();

            Map<String, Object> manifest = ConfigSnapshot.JSON.readValue(TarGz.read(archive, StateBackup.MANIFEST), Map.class);
            assertThat(manifest).containsEntry("agent", "edge-1").containsEntry("format", "nervesys-state-backup/1")
                    .containsEntry("createdAt", "2025-12-10T03:00:00Z");
            assertThat((List<Object>) manifest.get("excluded")).contains("buffer", "archive", "config-repo.git", "agent.lock",
                    "state/console-users.properties", "enrollment", "orchestrator", "reports");

            // into an empty data dir
            Path fresh = tmp.resolve("fresh");
            StateRestore.Restored r = StateRestore.restore(archive, fresh, false);
            assertThat(r.files()).containsExactlyElementsOf(w.paths());
            assertThat(rows(fresh.resolve("heartbeat/spool.db"))).as("commits that were in the WAL").isEqualTo(25);
            assertThat(rows(fresh.resolve("dead-letters.db"))).isEqualTo(2);
            assertThat(Files.readString(fresh.resolve("alerts/notes.txt"))).isEqualTo("caf\u00e9");
            assertThat(fresh.resolve("buffer")).doesNotExist();
            assertThat(fresh.resolve("state/console-users.properties")).doesNotExist();
            assertThat(fresh.resolve("enrollment")).doesNotExist();
            assertThat(fresh.resolve(".restore-staging")).doesNotExist();
            assertThat(Files.getLastModifiedTime(fresh.resolve("state/last-good-revision")).toMillis())
                    .isEqualTo(Files.getLastModifiedTime(data.resolve("state/last-good-revision")).toMillis());

            // into a data dir that has the files already: refused without force
            try (Connection more = walDb(data.resolve("heartbeat/spool.db"), 5)) {
                assertThat(rows(data.resolve("heartbeat/spool.db"))).isEqualTo(30);
            }
        }
        StateRestore.ConflictException conflict = org.junit.jupiter.api.Assertions.assertThrows(
                StateRestore.ConflictException.class, () -> StateRestore.restore(tmp.resolve("backup.tar.gz"), data, false));
        assertThat(conflict.existing()).containsExactly("alerts/notes.txt", "dead-letters.db", "heartbeat/spool.db",
                "state/last-good-revision");
        assertThat(rows(data.resolve("heartbeat/spool.db"))).isEqualTo(30);

        // with force: replaced, and a stale WAL of the replaced database must not be replayed into it
        try (Connection c = walDb(data.resolve("heartbeat/spool.db"), 0); Statement s = c.createStatement()) {
            s.execute("INSERT INTO t (v) VALUES ('only in the old WAL')");
            Files.copy(data.resolve("heartbeat/spool.db-wal"), tmp.resolve("stale-wal"));
        }
        Files.copy(tmp.resolve("stale-wal"), data.resolve("heartbeat/spool.db-wal"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        write("buffer/keep.txt", "not in the backup: left alone");
        StateRestore.restore(tmp.resolve("backup.tar.gz"), data, true);
        assertThat(data.resolve("heartbeat/spool.db-wal")).doesNotExist();
        assertThat(rows(data.resolve("heartbeat/spool.db"))).isEqualTo(25);
        assertThat(Files.readString(data.resolve("buffer/keep.txt"))).isEqualTo("not in the backup: left alone");
        assertThat(Files.readString(data.resolve("archive/logs/srv/2025-12-10/08-00.json.gz"))).isEqualTo("archived");
    }

    @Test
    void anArchiveThatIsNotABackupChangesNothing() throws Exception {
        data = tmp.resolve("data");
        write("state/last-good-revision", "abc");
        Path notABackup = tmp.resolve("snapshot.tar.gz");
        Files.write(notABackup, ConfigSnapshot.build("edge-1", SnapshotArchiveTest.revision("abc")));
        assertThatThrownBy(() -> StateRestore.restore(notABackup, data, true)).hasMessageContaining("not a nervesys state backup");
        List<Path> left = new ArrayList<>();
        try (var s = Files.walk(data)) {
            s.filter(Files::isRegularFile).forEach(left::add);
        }
        assertThat(left).containsExactly(data.resolve("state/last-good-revision"));
    }
}
