package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.spi.DataDirLock;
import dev.nervesys.spi.ErrorLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command of nervesys.jar, run in this JVM through the real root command line
 * ({@link NervesysCommand#commandLine}), answers bad or missing input, and services that cannot be
 * reached, with one line on stderr naming the input and an exit code, never a stack trace
 * (docs/operations.md, "Command line: errors and exit codes"). "Unreachable" is a port that was
 * just bound and closed; the ClickHouse and PostgreSQL cases that reach a server use names of their own.
 */
class CliErrorsTest {

    private static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        /** Exit code {@code code} and exactly one line on stderr holding every one of {@code words}, no stack trace anywhere. */
        Run fails(int code, String... words) {
            assertThat(this.code).as("exit code; stderr: %s", err).isEqualTo(code);
            List<String> lines = err.lines().toList();
            assertThat(lines).as("stderr is one line").hasSize(1);
            for (String w : words) {
                assertThat(lines.get(0)).contains(w);
            }
            for (String s : List.of(err, out)) {
                assertThat(s).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("Caused by");
            }
            return this;
        }
    }

    /** {@code nervesys ARGS} with these -D flags (and nervesys.dataDir = tmp/data), from an empty work directory. */
    private Run run(Map<String, String> env, Properties flags, String... args) throws Exception {
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        Properties f = new Properties();
        f.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
        f.putAll(flags);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine(new SettingsResolver(EmbeddedSource.defaultProperties(), env, f), work, false);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), new Properties(), args);
    }

    private static Properties flags(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    /** A port nothing listens on: bound, then closed. */
    private static int closedPort() throws Exception {
        return DataPathHarness.freePort();
    }

    private static String schema() {
        return DataPathHarness.routesDir().getParent().resolve("config/schemas/engine.yaml").toString();
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2() throws Exception {
        run("bogus").fails(2, "nervesys: ", "'bogus'", "(see 'nervesys --help')");
        run("report", "--day", "2025-12-10", "--outt", "x").fails(2, "report: ", "'--outt'", "did you mean --out?", "(see 'nervesys report --help')");
        run("report").fails(2, "report: Missing required option: '--day=<day>'");
        run("report", "--day", "2025-02-31").fails(2, "report: ", "'2025-02-31' is not a date", "FEBRUARY 31", "yyyy-MM-dd");
        run("report", "--day", "yesterday").fails(2, "report: ", "'yesterday' is not a date", "yyyy-MM-dd");
        run("restore", "--backup", "2025-13-01").fails(2, "restore: ", "'2025-13-01' is not a date");
        run("restore", "--revision", "abc").fails(2, "restore: --revision needs --to DIR");
        run("validate").fails(2, "validate: Missing required parameter: 'DIR'");
        run("generate", "--schema", schema(), "--count", "many", "--out", tmp.toString()).fails(2, "generate: ", "'many'", "--count");
        run("generate", "--schema", schema(), "--count", "1", "--to", "http://bad host/x").fails(2, "generate: ", "'http://bad host/x' is not a URL");
        run("generate", "--schema", schema(), "--count", "1", "--to", "ftp://127.0.0.1/x").fails(2, "generate: ", "is not an http(s) URL");
        run("decode", "x.tcb", "--format", "xml").fails(2, "decode: ", "xml");
        run("fleet").fails(2, "fleet: Missing required option: '--postgres=URL'");
        run("fleet", "--postgres", "mysql://127.0.0.1/fleet").fails(2, "fleet: ", "'mysql://127.0.0.1/fleet' is not a PostgreSQL URL");
        run("runs").fails(2, "runs: missing subcommand: compare A B");
        run("runs", "compare", "a", "b", "--clickhouse", "nonsense").fails(2, "runs compare: ", "'nonsense' is not an http(s) URL");
    }

    @Test
    void fleetPasswordInAUrlIsNotPrinted() throws Exception {
        Run r = run("fleet", "--postgres", "mysql://127.0.0.1/fleet?password=secret").fails(2, "'mysql://127.0.0.1/fleet' is not");
        assertThat(r.err()).doesNotContain("secret");
    }

    @Test
    void validate() throws Exception {
        Path missing = tmp.resolve("no-such-checkout");
        run("validate", missing.toString()).fails(1, "validate: no such directory: " + missing);
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        run("validate", file.toString()).fails(1, "validate: " + file + ": not a config repo checkout");
    }

    @Test
    void generate() throws Exception {
        Path missing = tmp.resolve("nope.yaml");
        run("generate", "--schema", missing.toString(), "--count", "1", "--out", tmp.toString())
                .fails(1, "generate: cannot read the schema: no such file or directory: " + missing);
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "name: t\nversion: 1\nfields: [{name: x, type: int, min: 3, max: 1}]\n");
        run("generate", "--schema", bad.toString(), "--count", "1", "--out", tmp.toString())
                .fails(1, "generate: invalid schema " + bad, "field 'x': min 3 is greater than max 1");
        Path notYaml = Files.writeString(tmp.resolve("broken.yaml"), "name: [t\n  version: :\n");
        run("generate", "--schema", notYaml.toString(), "--count", "1", "--out", tmp.toString())
                .fails(1, "generate: invalid schema " + notYaml, "(line ");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        run("generate", "--schema", schema(), "--count", "1", "--out", file.toString())
                .fails(1, "generate: --out " + file + " is not a directory");
        int port = closedPort();
        run("generate", "--schema", schema(), "--count", "10", "--quiet", "--to", "http://127.0.0.1:" + port + "/ingest")
                .fails(1, "generate: cannot reach 127.0.0.1:" + port + " (connection refused)", "--to");
    }

    @Test
    void decode() throws Exception {
        Path missing = tmp.resolve("nope.tcb");
        run("decode", missing.toString()).fails(1, "decode: no such file or directory: " + missing);
        Path text = Files.writeString(tmp.resolve("text.tcb"), "this is not a tcb file, just some text");
        run("decode", text.toString()).fails(1, "decode: ", "text.tcb", "not a TeleCrunch file");
        Path noSchema = tmp.resolve("nope.yaml");
        run("decode", text.toString(), "--schema", noSchema.toString())
                .fails(1, "decode: cannot read the schema: no such file or directory: " + noSchema);
        Path outInMissingDir = tmp.resolve("no-dir/out.ndjson");
        run("decode", text.toString(), "--out", outInMissingDir.toString())
                .fails(1, "decode: cannot write --out " + outInMissingDir, "no such file or directory");
    }

    @Test
    void fleet() throws Exception {
        int port = closedPort();
        run("fleet", "--postgres", "jdbc:postgresql://127.0.0.1:" + port + "/fleet")
                .fails(1, "fleet: cannot reach PostgreSQL at 127.0.0.1:" + port + " (connection refused)", "--postgres");
        String db = "nope_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        run("fleet", "--postgres", PG + db + "?user=postgres")
                .fails(1, "fleet: PostgreSQL at 127.0.0.1:5432: ", "database \"" + db + "\" does not exist");
    }

    @Test
    void reportWhereNoAgentRan() throws Exception {
        Path db = tmp.resolve("data/heartbeat/heartbeat.db");
        run("report", "--day", "2025-12-10", "--out", tmp.resolve("out").toString())
                .fails(1, "report: no heartbeat database at " + db, "nervesys.dataDir", "nervesys.reports.source.url");
        assertThat(db.getParent()).as("nothing created").doesNotExist();
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void reportSourceProblems() throws Exception {
        int port = closedPort();
        run(Map.of(), flags("nervesys.reports.source.url", "jdbc:postgresql://127.0.0.1:" + port + "/fleet"), "report", "--day", "2025-12-10")
                .fails(1, "report: cannot reach the heartbeat database at 127.0.0.1:" + port + " (connection refused)",
                        "nervesys.reports.source.url");
        run(Map.of(), flags("nervesys.postgres.url", "jdbc:postgresql://127.0.0.1:" + port + "/x"),
                "report", "--day", "2025-12-10").fails(1, "cannot reach the heartbeat database", "nervesys.postgres.url");
        // a SQLite file without the heartbeat table
        Path empty = tmp.resolve("empty.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + empty)) {
            c.createStatement().execute("CREATE TABLE other (x INTEGER)");
        }
        run(Map.of(), flags("nervesys.reports.source.url", "jdbc:sqlite:" + empty), "report", "--day", "2025-12-10")
                .fails(1, "report: cannot read the heartbeats from jdbc:sqlite:" + empty, "no such table: agent_status");
        run(Map.of(), flags("nervesys.reports.source.url", "jdbc:sqlite:" + tmp.resolve("gone.db")), "report", "--day", "2025-12-10")
                .fails(1, "report: no heartbeat database at " + tmp.resolve("gone.db") + " (nervesys.reports.source.url)");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        run("report", "--day", "2025-12-10", "--out", file.toString()).fails(1, "report: --out " + file + " is not a directory");
        run(Map.of(), flags("nervesys.reports.timeZone", "Mars/Olympus"), "report", "--day", "2025-12-10")
                .fails(1, "report: bad report setting: ", "Mars/Olympus");
    }

    @Test
    void runsCompare() throws Exception {
        int port = closedPort();
        run("runs", "compare", "a", "b", "--clickhouse", "http://127.0.0.1:" + port)
                .fails(1, "runs compare: cannot reach ClickHouse at 127.0.0.1:" + port + " (connection refused)", "--clickhouse");
        String db = "nope_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        run("runs", "compare", "a", "b", "--clickhouse", CH, "--database", db)
                .fails(1, "runs compare: ClickHouse at " + ErrorLine.hostPort(CH) + " answered 404: ", "Database " + db + " doesn't exist", "--database");
    }

    @Test
    void restoreFromAnUnreachableStore() throws Exception {
        int port = closedPort();
        Map<String, String> env = new HashMap<>();
        env.put("STORJ_BUCKET", "fleet-archive");
        env.put("STORJ_ENDPOINT", "http://127.0.0.1:" + port);
        env.put("STORJ_ACCESS_KEY", "access");
        env.put("STORJ_SECRET_KEY", "the-secret-key");
        Run r = run(env, new Properties(), "restore", "--list")
                .fails(1, "restore: cannot reach the archive store s3://fleet-archive at http://127.0.0.1:" + port + " (connection refused)",
                        "STORJ_ENDPOINT");
        assertThat(r.err()).doesNotContain("the-secret-key");
    }

    @Test
    void runWithABadStartInput() throws Exception {
        run(Map.of(), flags("nervesys.config.pollSeconds", "soon"), "run")
                .fails(1, "run: cannot start: nervesys.config.pollSeconds=soon is not a whole number");
        // without a subcommand it is the same command
        run(Map.of(), flags("nervesys.config.pollSeconds", "soon"))
                .fails(1, "nervesys: cannot start: nervesys.config.pollSeconds=soon is not a whole number");
        run(Map.of(), flags("camel.management.port", "nine"), "run")
                .fails(1, "run: cannot start: camel.management.port=nine is not a whole number");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        run(Map.of(), flags("nervesys.dataDir", file.toString()), "run")
                .fails(1, "run: cannot start: the data dir " + file + " is not a directory", "nervesys.dataDir");
    }

    /** {@code nervesys ARGS} as NervesysMain runs the plain run: without picocli ({@link PlainRun}). */
    private Run plain(Map<String, String> env, Properties flags, String... args) {
        assertThat(PlainRun.applies(args)).isTrue();
        Properties f = new Properties();
        f.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
        f.putAll(flags);
        StringWriter err = new StringWriter();
        int code = PlainRun.execute(args, new SettingsResolver(EmbeddedSource.defaultProperties(), env, f), new PrintWriter(err), false);
        return new Run(code, "", err.toString());
    }

    @Test
    void thePlainRunIsOnlyTheAgentsOwnCommandLine() {
        assertThat(PlainRun.applies(new String[0])).isTrue();
        assertThat(PlainRun.applies(new String[] {"run"})).isTrue();
        for (String[] other : List.of(new String[] {"run", "--help"}, new String[] {"--help"}, new String[] {"-V"},
                new String[] {"validate"}, new String[] {"Run"}, new String[] {"run", "run"}, new String[] {"bogus"})) {
            assertThat(PlainRun.applies(other)).as(String.join(" ", other)).isFalse();
        }
    }

    @Test
    void thePlainRunFailsWithPicoclisLinesAndCodes() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        List<Object[]> cases = List.of(
                new Object[] {flags("nervesys.config.pollSeconds", "soon"), new String[] {"run"}, 1,
                        "run: cannot start: nervesys.config.pollSeconds=soon is not a whole number"},
                new Object[] {flags("nervesys.config.pollSeconds", "soon"), new String[0], 1,
                        "nervesys: cannot start: nervesys.config.pollSeconds=soon is not a whole number"},
                new Object[] {flags("nervesys.dataDir", file.toString()), new String[] {"run"}, 1,
                        "run: cannot start: the data dir " + file + " is not a directory"});
        for (Object[] c : cases) {
            Properties f = (Properties) c[0];
            String[] args = (String[]) c[1];
            Run plain = plain(Map.of(), f, args).fails((Integer) c[2], (String) c[3]);
            assertThat(plain).as("as through picocli").isEqualTo(run(Map.of(), f, args));
        }
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        try (DataDirLock lock = DataDirLock.acquire(data, "test")) {
            Run plain = plain(Map.of(), new Properties()).fails(3, "nervesys: cannot start: data dir " + data, "is in use");
            assertThat(plain).isEqualTo(run(Map.of(), new Properties()));
        }
    }

    @Test
    void runRefusedByATakenPortOrDataDirExitsWith3() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            run(Map.of(), flags("camel.management.port", String.valueOf(taken.getLocalPort())), "run")
                    .fails(3, "run: cannot start: management port", ":" + taken.getLocalPort(), "camel.management.port");
        }
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        try (DataDirLock lock = DataDirLock.acquire(data, "test")) {
            run("run").fails(3, "run: cannot start: data dir " + data, "is in use");
        }
    }

    @Test
    void stackTraceOnRequest() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine(new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), new Properties()),
                tmp, true);
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("validate", tmp.resolve("missing").toString())).isEqualTo(1);
        assertThat(err.toString().lines().findFirst()).hasValue("validate: no such directory: " + tmp.resolve("missing")
                + "; give the path of a config repo checkout");
        assertThat(err.toString()).contains("\tat dev.nervesys.bootstrap.cli.ValidateCommand.call");
    }
}
