package dev.nervesys.bootstrap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code nervesys alerts silence|silences|expire} (the real command line) against the agent's
 * SQLite status database: the rows it writes are those route alerts-silences reads.
 */
class AlertsCommandTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    Run run(String... args) {
        Properties flags = new Properties();
        flags.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine(new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), flags),
                tmp.resolve("work"), false);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void silenceListAndExpire() throws Exception {
        Files.createDirectories(tmp.resolve("work"));
        // where no agent ran: said in one line, nothing created
        Run none = run("alerts", "silences");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err().strip()).doesNotContain("\n").startsWith("alerts silences: no status database at ")
                .contains("run it where the agent runs");
        assertThat(tmp.resolve("data/heartbeat/heartbeat.db")).doesNotExist();

        Files.createDirectories(tmp.resolve("data/heartbeat"));
        Files.createFile(tmp.resolve("data/heartbeat/heartbeat.db"));
        Run made = run("alerts", "silence", "--match", "template=raid array degraded, disk /dev/sdb failed",
                "--match", "agent=edge-1", "--for", "2h", "--comment", "disk swap tonight", "--by", "ops");
        assertThat(made.code()).as(made.err()).isZero();
        String id = made.out().substring(0, made.out().indexOf(' '));
        assertThat(made.out()).contains("silences template=\"raid array degraded, disk /dev/sdb failed\" agent=edge-1 until ");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data/heartbeat/heartbeat.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT matchers, created_by, comment, expired_at FROM alert_silence WHERE id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("{\"template\":\"raid array degraded, disk /dev/sdb failed\",\"agent\":\"edge-1\"}");
            assertThat(rs.getString(2)).isEqualTo("ops");
            assertThat(rs.getString(3)).isEqualTo("disk swap tonight");
            assertThat(rs.getString(4)).isNull();
        }
        Run list = run("alerts", "silences");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains(id + "  ").contains("  active  ops  template=").contains("disk swap tonight");

        assertThat(run("alerts", "expire", id).out().strip()).isEqualTo("expired " + id);
        assertThat(run("alerts", "silences").out()).doesNotContain(id);
        assertThat(run("alerts", "silences", "--all").out()).contains(id + "  ").contains("expired 20");
        Run again = run("alerts", "expire", id);
        assertThat(again.code()).isEqualTo(CliErrors.NOT_FOUND);
        assertThat(again.err().strip()).isEqualTo("alerts expire: no silence " + id + " in force; see `nervesys alerts silences --all`");

        // usage errors: one line, exit 2
        Run bad = run("alerts", "silence", "--match", "nolabel", "--for", "2h");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip().lines().findFirst().orElseThrow()).contains("--match: not a matcher: 'nolabel'");
        Run badFor = run("alerts", "silence", "--match", "rule=x", "--for", "soon");
        assertThat(badFor.code()).isEqualTo(2);
        assertThat(badFor.err()).contains("--for: ");
    }
}
