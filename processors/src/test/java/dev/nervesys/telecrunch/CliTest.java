package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.telecrunch.cli.DecodeCommand;
import dev.nervesys.telecrunch.cli.GenerateCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void generateBinaryThenDecodeToEveryFormat(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("bin");
        assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "5000", "--threads", "2",
                "--seed", "9", "--anomalies", "0.01", "--out", bin.toString(), "--quiet", "--rotate-records", "3000")).isZero();
        assertThat(out.toString()).contains("records 5,000");
        List<Path> files;
        try (Stream<Path> s = Files.list(bin)) {
            files = s.filter(p -> p.toString().endsWith(".tcb")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        assertThat(bin.resolve("anomalies.ndjson")).exists();
        String[] args = Stream.concat(files.stream().map(Path::toString),
                Stream.of("--format", "ndjson", "--out", dir.resolve("all.ndjson").toString())).toArray(String[]::new);
        assertThat(run(new DecodeCommand(), args)).isZero();
        assertThat(Files.readAllLines(dir.resolve("all.ndjson"))).hasSize(5000)
                .allSatisfy(l -> assertThat(l).startsWith("{\"run_id\":\"run-1\",\"source\":\"engine-"));
        assertThat(run(new DecodeCommand(), files.get(0).toString(), "--format", "csv", "--compress", "zstd", "--out",
                dir.resolve("a.csv.zst").toString())).isZero();
        assertThat(Files.size(dir.resolve("a.csv.zst"))).isPositive();
    }

    @Test
    void decodeReportsDamageAndWrongSchemaWithExitCode1(@TempDir Path dir) throws IOException {
        assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "2000", "--threads", "1",
                "--out", dir.toString(), "--quiet", "--block", "500")).isZero();
        Path f = dir.resolve("engine-t0-00001.tcb");
        byte[] data = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(data, data.length - 100));
        assertThat(run(new DecodeCommand(), f.toString(), "--out", dir.resolve("x.ndjson").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("truncated last block").contains("decoded 1500 records");
        assertThat(Files.readAllLines(dir.resolve("x.ndjson"))).hasSize(1500);
        assertThat(run(new DecodeCommand(), f.toString(), "--schema", "src/test/resources/telecrunch/golden-schema.yaml"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("written with schema engine v1");
    }

    @Test
    void usageAndSchemaErrorsHaveDistinctExitCodes(@TempDir Path dir) throws IOException {
        assertThat(run(new GenerateCommand(), "--schema", "x.yaml", "--count", "1")).isEqualTo(2); // neither --out nor --to
        assertThat(run(new DecodeCommand(), "f.tcb", "--format", "xml")).isEqualTo(2);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "name: t\nversion: 1\nfields: [{name: x, type: int, min: 3, max: 1}]\n");
        assertThat(run(new GenerateCommand(), "--schema", bad.toString(), "--count", "1", "--out", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("field 'x': min 3 is greater than max 1");
    }

    @Test
    void sendsBatchesOverHttpAndRetriesOn503() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicLong lines = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        server.createContext("/ingest", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            boolean refuse = calls.getAndIncrement() == 1; // second batch: back-pressure once
            if (!refuse) {
                assertThat(ex.getRequestHeaders().getFirst("Content-Type")).isEqualTo("application/x-ndjson");
                lines.addAndGet(new String(body).lines().count());
            } else {
                ex.getResponseHeaders().add("Retry-After", "1");
            }
            ex.sendResponseHeaders(refuse ? 503 : 204, -1);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ingest";
            assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "3000",
                    "--threads", "1", "--block", "1000", "--to", url, "--quiet")).isZero();
            assertThat(lines.get()).isEqualTo(3000);
            assertThat(calls.get()).isEqualTo(4);
            assertThat(out.toString()).contains("records/s").contains("failed batches 0");
        } finally {
            server.stop(0);
        }
    }
    /** A failure is one line on stderr naming the file or host, exit code 1, never a stack trace. */
    private void failsWithOneLine(Object command, String expectedLine, String... args) {
        StringWriter e = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(e));
        assertThat(cl.execute(args)).as(e.toString()).isEqualTo(1);
        assertThat(e.toString().lines().toList()).containsExactly(expectedLine);
    }

    @Test
    void missingFilesAndUnreachableTargetsAreOneLine(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.tcb");
        failsWithOneLine(new DecodeCommand(), "decode: no such file or directory: " + missing, missing.toString());
        Path text = Files.writeString(dir.resolve("text.tcb"), "not packed telemetry at all");
        failsWithOneLine(new DecodeCommand(), "decode: " + text + ": not a TeleCrunch file (bad magic)", text.toString());
        failsWithOneLine(new DecodeCommand(), "decode: cannot read the schema: no such file or directory: " + dir.resolve("s.yaml"),
                text.toString(), "--schema", dir.resolve("s.yaml").toString());
        Path out = dir.resolve("missing-dir/x.ndjson");
        failsWithOneLine(new DecodeCommand(), "decode: cannot write --out " + out + ": no such file or directory: " + out,
                text.toString(), "--out", out.toString());

        failsWithOneLine(new GenerateCommand(), "generate: cannot read the schema: no such file or directory: " + dir.resolve("s.yaml"),
                "--schema", dir.resolve("s.yaml").toString(), "--count", "1", "--out", dir.toString());
        Path notYaml = Files.writeString(dir.resolve("broken.yaml"), "name: [t\n");
        StringWriter e = new StringWriter();
        assertThat(new CommandLine(new GenerateCommand()).setErr(new PrintWriter(e))
                .execute("--schema", notYaml.toString(), "--count", "1", "--out", dir.toString())).isEqualTo(1);
        assertThat(e.toString().lines().toList()).singleElement().asString()
                .startsWith("generate: invalid schema " + notYaml + ": ").contains("(line ");
        int closed = DataPathHarness.freePort(); // bound, then closed: nothing listens
        failsWithOneLine(new GenerateCommand(), "generate: cannot reach 127.0.0.1:" + closed
                        + " (connection refused); check --to and that the agent's ingest listens there",
                "--schema", "../config/schemas/engine.yaml", "--count", "10", "--quiet", "--to", "http://127.0.0.1:" + closed + "/ingest");
    }

    /** Issue 19: the summary counts the bytes on disk, the compressor's last block and trailer included. */
    @Test
    void theSummaryCountsTheBytesOnDisk(@TempDir Path dir) throws IOException {
        String[][] cases = {{"ndjson", "gzip"}, {"csv", "zstd"}, {"lp", "lz4"}, {"ndjson", "none"}, {"bin", "none"}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[0] + "-" + c[1]);
            this.out.getBuffer().setLength(0);
            assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "30000", "--threads", "2",
                    "--format", c[0], "--compress", c[1], "--out", out.toString(), "--quiet")).as(err.toString()).isZero();
            long onDisk;
            try (Stream<Path> files = Files.list(out)) {
                onDisk = files.filter(p -> !p.getFileName().toString().equals("anomalies.ndjson")).mapToLong(p -> {
                    try {
                        return Files.size(p);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).sum();
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("records/s, ([\\d,]+) bytes").matcher(this.out.toString());
            assertThat(m.find()).as(this.out.toString()).isTrue();
            assertThat(Long.parseLong(m.group(1).replace(",", ""))).as("%s %s: %s", c[0], c[1], this.out).isEqualTo(onDisk);
        }
    }

    @Test
    void aRunIdLineProtocolCannotCarryIsRefusedForLp(@TempDir Path dir) throws IOException {
        assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "10", "--format", "lp",
                "--run-id", "bench\\", "--out", dir.toString(), "--quiet")).isEqualTo(2);
        assertThat(err.toString()).contains("line protocol cannot carry --run-id 'bench\\': it ends in a backslash");
        // the other formats carry it
        err.getBuffer().setLength(0);
        assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "10", "--format", "csv",
                "--run-id", "bench\\", "--out", dir.toString(), "--quiet")).as(err.toString()).isZero();
        // a packed file of that run decodes to the other formats, and to lp with the reason, not with unparseable lines
        Path bin = dir.resolve("bin");
        assertThat(run(new GenerateCommand(), "--schema", "../config/schemas/engine.yaml", "--count", "10", "--threads", "1", "--run-id", "bench\\",
                "--out", bin.toString(), "--quiet")).as(err.toString()).isZero();
        err.getBuffer().setLength(0);
        assertThat(run(new DecodeCommand(), bin.resolve("engine-t0-00001.tcb").toString(), "--format", "lp", "--out",
                dir.resolve("x.lp").toString())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("decode: line protocol cannot carry run id 'bench\\': it ends in a backslash,"
                + " which escapes the delimiter after it; decode to another --format");
        assertThat(run(new DecodeCommand(), bin.resolve("engine-t0-00001.tcb").toString(), "--format", "ndjson", "--out",
                dir.resolve("x.ndjson").toString())).isZero();
        assertThat(Files.readString(dir.resolve("x.ndjson"))).contains("\"run_id\":\"bench\\\\\"");
    }
}
