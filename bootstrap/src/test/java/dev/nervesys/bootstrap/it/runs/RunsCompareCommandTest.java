package dev.nervesys.bootstrap.it.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.bootstrap.cli.NervesysCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code nervesys runs compare A B} through the real command line against the real ClickHouse (a database of its own). */
class RunsCompareCommandTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    private final String db = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    private static String ch(String sql) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(CH + "/")).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    @AfterEach
    void drop() throws Exception {
        ch("DROP DATABASE IF EXISTS " + db);
    }

    @Test
    void printsTheDifferencesPerSeries() throws Exception {
        ch("CREATE DATABASE " + db);
        ch("CREATE TABLE " + db + ".series (run_id String, series String, frame UInt64, time DateTime, time_ns UInt32, value Float64,"
                + " buffer_id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (run_id, series, frame)");
        ch("INSERT INTO " + db + ".series SELECT 'r1', 'engine.rpm', number, now(), 0, 1000 + number, number FROM system.numbers LIMIT 1000");
        ch("INSERT INTO " + db + ".series SELECT 'r2', 'engine.rpm', number, now(), 0, 1000 + number + if(number = 700, 5, 0.5), number"
                + " FROM system.numbers LIMIT 990");
        ch("INSERT INTO " + db + ".series SELECT 'r2', 'engine.temp', number, now(), 0, 90, number FROM system.numbers LIMIT 10");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("runs", "compare", "r1", "r2", "--clickhouse", CH, "--database", db);
        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().split("\\R");
        assertThat(lines[0]).startsWith("A = r1, B = r2");
        assertThat(lines[1].split("\\s+")).containsExactly("SERIES", "POINTS_A", "POINTS_B", "ALIGNED", "MEAN_A", "MIN_A", "MAX_A",
                "MEAN_B", "MIN_B", "MAX_B", "MEAN_ABS_DIFF", "MAX_ABS_DIFF", "AT_FRAME", "MISSING_IN_A", "MISSING_IN_B");
        // 990 aligned frames: 989 differ by 0.5, frame 700 by 5; r1's frames 990..999 missing in r2
        assertThat(lines[2].split("\\s+")).containsExactly("engine.rpm", "1000", "990", "990", "1499.50", "1000.00", "1999.00",
                "1495.00", "1000.50", "1989.50", String.format(java.util.Locale.ROOT, "%.6g", (989 * 0.5 + 5) / 990), "5.00000", "700", "0", "10");
        assertThat(lines[3].split("\\s+")).containsExactly("engine.temp", "0", "10", "0", "-", "-", "-", "90.0000", "90.0000", "90.0000",
                "-", "-", "-", "10", "0");
        assertThat(lines[4]).isEqualTo("2 series");

        // unknown runs: an error, not an empty table
        StringWriter err2 = new StringWriter();
        cl.setErr(new PrintWriter(err2));
        assertThat(cl.execute("runs", "compare", "x", "y", "--clickhouse", CH, "--database", db)).isEqualTo(1);
        assertThat(err2.toString()).contains("no series of run x or y");
    }

    @Test
    void aRunWithoutPointsIsWarnedAbout() throws Exception {
        ch("CREATE DATABASE " + db);
        ch("CREATE TABLE " + db + ".series (run_id String, series String, frame UInt64, time DateTime, time_ns UInt32, value Float64,"
                + " buffer_id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (run_id, series, frame)");
        ch("INSERT INTO " + db + ".series SELECT 'r1', 'engine.rpm', number, now(), 0, number, number FROM system.numbers LIMIT 10");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("runs", "compare", "r1", "r1-typo", "--clickhouse", CH, "--database", db)).isZero();
        assertThat(err.toString().strip()).isEqualTo("runs compare: warning: run r1-typo has no points in " + db
                + ".series of ClickHouse at 127.0.0.1:8123; check the run id");
        assertThat(out.toString()).contains("engine.rpm");
    }

    @Test
    void anUnreachableClickHouseIsNamedInOneLine() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("runs", "compare", "a", "b", "--clickhouse", "http://127.0.0.1:" + closed, "--database", db);
        assertThat(code).isEqualTo(1); // docs/operations.md: a service that cannot be reached is exit code 1
        assertThat(err.toString().strip()).isEqualTo("runs compare: cannot reach ClickHouse at 127.0.0.1:" + closed
                + " (connection refused); check --clickhouse and that the server runs");
        assertThat(out.toString()).isEmpty();
        StringWriter err2 = new StringWriter();
        cl.setErr(new PrintWriter(err2));
        assertThat(cl.execute("runs", "compare", "a", "b", "--clickhouse", "http://no-such-host.invalid:8123")).isEqualTo(1);
        assertThat(err2.toString().strip()).isEqualTo("runs compare: cannot reach ClickHouse at no-such-host.invalid:8123"
                + " (unknown host); check --clickhouse and that the server runs");
    }
}
