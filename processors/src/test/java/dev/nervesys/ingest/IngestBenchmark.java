package dev.nervesys.ingest;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.TestSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Not a test: HTTP ingest into the committed buffer with TeleCrunch's generator as the load source
 * (a second JVM on the same machine), beside shared/bench/reference.py on the same records, in one
 * run (docs/benchmarks.md, "Data path").
 *
 * <p>usage: IngestBenchmark WORKDIR COUNT NERVESYS_JAR|GENERATOR_CLASSPATH SCHEMA REFERENCE_PY [ndjson|lp|both|gen] [rounds]
 *
 * <p>TeleCrunch's generator writes WORKDIR/files/all.ndjson and all.lp once (seed 1). Modes ndjson/lp/both replay
 * those files over 2 keep-alive connections in 5,000-line batches from this JVM (the generator itself
 * produces about 140k records/s on this machine, below the goal, so it cannot be the live source of a
 * 300k/s measurement); mode gen runs the generator live against the agent.
 *
 * <p>With {@code -Dnervesys.bench.influx=http://127.0.0.1:18086/write?db=bench} the reference also
 * writes the line-protocol file to that InfluxDB (one keep-alive connection, 5,000-line batches).
 *
 * <p>The agent side (this JVM) boots the real routes/ingest.camel.yaml with the real beans; run it
 * with -Xmx256m. The generator sends {@code --block 5000} batches with its default threads (one per
 * core) and counts a batch only after its 2xx; at the end the buffer's row count is checked.
 */
public final class IngestBenchmark {

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        long count = Long.parseLong(args[1]);
        String jar = args[2];
        String schema = args[3];
        String reference = args[4];
        String which = args.length > 5 ? args[5] : "both";
        int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        Files.createDirectories(work);
        Path files = work.resolve("files");
        for (String format : List.of("ndjson", "lp")) {
            Path all = files.resolve("all." + format);
            if (Files.exists(all)) {
                continue;
            }
            Path dir = files.resolve(format);
            run(cmd(jar, "generate", "--schema", schema, "--count", Long.toString(count), "--block", "5000",
                    "--out", dir.toString(), "--format", format, "--quiet"));
            try (OutputStream out = Files.newOutputStream(all); Stream<Path> l = Files.list(dir)) {
                for (Path p : l.sorted().toList()) {
                    Files.copy(p, out);
                    Files.delete(p);
                }
            }
        }
        System.out.printf("files: NDJSON %,d bytes, LP %,d bytes, %,d records each (TeleCrunch %s)%n",
                Files.size(files.resolve("all.ndjson")), Files.size(files.resolve("all.lp")), count, schema);
        for (int r = 0; r < rounds; r++) {
            if (which.equals("gen")) {
                System.out.println("generator-ndjson " + ingest(work.resolve("run-gen-" + r), count, jar, schema, "/ingest", "ndjson"));
            }
            if (which.equals("both") || which.equals("ndjson")) {
                System.out.println("ndjson-ingest " + replay(work.resolve("run-ndjson-" + r), files.resolve("all.ndjson"), count, "/ingest"));
            }
            if (which.equals("both") || which.equals("lp")) {
                System.out.println("lp-ingest     " + replay(work.resolve("run-lp-" + r), files.resolve("all.lp"), count, "/write?db=bench"));
            }
            Runtime rt = Runtime.getRuntime();
            System.out.printf("heap used: %,d MB of max %,d MB%n", (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
            List<String> ref = new ArrayList<>(List.of("python3", reference, files.resolve("all.ndjson").toString()));
            String influx = System.getProperty("nervesys.bench.influx");
            if (influx != null) {
                // InfluxDB's own /write on the same points, same run: -Dnervesys.bench.influx=http://host:port/write?db=bench
                ref.addAll(List.of("--lp", files.resolve("all.lp").toString(), "--influx", influx));
            }
            run(ref);
        }
    }

    static String ingest(Path dataDir, long count, String jar, String schema, String path, String format) throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dataDir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.buffer.maxBytes", "2GB");
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml")) {
            long t = System.nanoTime();
            String out = run(cmd(jar, "generate", "--schema", schema, "--count", Long.toString(count),
                    "--block", "5000", "--format", format, "--to", "http://127.0.0.1:" + port + path, "--quiet"));
            double secs = (System.nanoTime() - t) / 1e9;
            RecordBuffer b = agent.buffer();
            if (b.rows() != count) {
                throw new IllegalStateException("buffer holds " + b.rows() + " rows, sent " + count + ": " + out);
            }
            return String.format("%s  (wall incl. generator JVM start: %,.0f/s)", out.trim(), count / secs);
        }
    }

    /** Replays FILE in 5,000-line batches over 2 keep-alive connections (read as they go: small heap). */
    static String replay(Path dataDir, Path file, long count, String path) throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dataDir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.buffer.maxBytes", "2GB");
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml");
                java.io.InputStream in = Files.newInputStream(file)) {
            head = 0;
            tail = 0;
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t = System.nanoTime();
            List<Thread> senders = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int c = 0; c < 2; c++) {
                Thread th = new Thread(() -> {
                    try {
                        send(port, path, in);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                th.start();
                senders.add(th);
            }
            for (Thread th : senders) {
                th.join();
            }
            double secs = (System.nanoTime() - t) / 1e9;
            if (!failures.isEmpty()) {
                throw new IllegalStateException(failures.get(0));
            }
            RecordBuffer b = agent.buffer();
            if (b.rows() != count) {
                throw new IllegalStateException("buffer holds " + b.rows() + " rows, sent " + count);
            }
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            return String.format("%,12.0f records/s (%,d in %.2f s, all committed; CPU of agent + sender %.2f s = %.2f us/record)",
                    count / secs, count, secs, cpu, cpu * 1e6 / count);
        }
    }

    /** The next 5,000 lines, or null at the end: bulk reads into one reused buffer and a byte scan. */
    static byte[] nextBatch(java.io.InputStream in) throws java.io.IOException {
        synchronized (in) {
            int lines = 0;
            int scanned = head;
            while (true) {
                while (scanned < tail && lines < 5000) {
                    if (window[scanned++] == '\n') {
                        lines++;
                    }
                }
                if (lines == 5000) {
                    break;
                }
                if (tail == window.length) {
                    if (head > 0) {
                        System.arraycopy(window, head, window, 0, tail - head);
                        scanned -= head;
                        tail -= head;
                        head = 0;
                    } else {
                        window = java.util.Arrays.copyOf(window, window.length * 2);
                    }
                }
                int r = in.read(window, tail, window.length - tail);
                if (r < 0) {
                    scanned = tail;
                    break;
                }
                tail += r;
            }
            if (scanned == head) {
                return null;
            }
            byte[] batch = java.util.Arrays.copyOfRange(window, head, scanned);
            head = scanned;
            return batch;
        }
    }

    private static byte[] window = new byte[8 << 20];
    private static int head;
    private static int tail;

    static void send(int port, String path, java.io.InputStream file) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
            java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (byte[] body = nextBatch(file); body != null; body = nextBatch(file)) {
                out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                String status = readLine(in);
                int len = 0;
                for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
                    if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        len = Integer.parseInt(h.substring(15).trim());
                    }
                }
                byte[] reply = in.readNBytes(len);
                if (!status.contains(" 204")) {
                    throw new IllegalStateException("batch refused: " + status + " " + new String(reply, StandardCharsets.UTF_8));
                }
            }
        }
    }

    static String readLine(java.io.InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** The generator: {@code java -jar NERVESYS_JAR} or, given a class path, the test-scope TelecrunchCli. */
    static List<String> cmd(String jarOrClassPath, String... args) {
        List<String> c = new ArrayList<>(jarOrClassPath.endsWith(".jar") && !jarOrClassPath.contains(java.io.File.pathSeparator)
                ? List.of("java", "-jar", jarOrClassPath)
                : List.of("java", "-cp", jarOrClassPath, "dev.nervesys.bench.telecrunch.TelecrunchCli"));
        c.addAll(List.of(args));
        return c;
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        StringBuilder sb = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                sb.append(l).append('\n');
                if (cmd.get(0).equals("python3")) {
                    System.out.println(l);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed: " + sb);
        }
        return sb.toString();
    }
}
