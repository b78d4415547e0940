package dev.nervesys.archive;

import dev.nervesys.buffer.BufferFullException;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.buffer.WhenFull;
import dev.nervesys.spi.RecordKind;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Not a test: how long a full buffer's backlog takes to reach the archive target once the target
 * answers (docs/benchmarks.md, "Archive drain").
 *
 * <p>usage: DrainBenchmark WORKDIR REFERENCE.py [targets, default local,s3] [nervesys.archive.threads values,
 * e.g. 0,1,2; default: the setting's default] [buffer cap, default 100MB]
 *
 * <p>Fills a buffer with {@link DataPathBenchmark}'s 8-field records, appended in 5,000-record
 * batches until the cap refuses one (the same records go to WORKDIR/backlog/records.ndjson; a
 * filled backlog is reused by later runs). Then, per target, boots routes/ingest + routes/archive
 * with the real beans on a copy of that buffer (target up, default settings but
 * {@code nervesys.archive.interval=5s}, so the last slice below maxBytes is due too) and times the
 * drain from the start of the context until the archiver's cursor passes the backlog. Meanwhile
 * one client posts 200 records every 100 ms to /ingest and records each request's latency: ingest
 * must keep being served during a drain. Every object is read back afterwards and compared with
 * the backlog, line by line. The same client runs for 15 s against an agent with an empty buffer
 * first, for the latency without a drain, then one drain to the local folder that is not counted
 * (the JIT compiles the path). {@code reference.py} runs on records.ndjson before the first target
 * and after each one; each drain is compared with the mean of the gzip rates measured just before
 * and just after it.
 */
public final class DrainBenchmark {

    private static final Pattern GZIP = Pattern.compile("(?m)^gzip-6\\s+([\\d,.]+) MB/s");

    record Backlog(Path db, Path ndjson, long rows, long rawBytes, long diskBytes) {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String reference = args[1];
        List<String> targets = List.of((args.length > 2 ? args[2] : "local,s3").split(","));
        List<String> threads = List.of((args.length > 3 ? args[3] : "default").split(","));
        long cap = args.length > 4 ? dev.nervesys.spi.Sizes.parseBytes(args[4]) : 100L << 20;
        Backlog backlog = fill(work.resolve("backlog"), cap);
        System.out.printf("backlog: %,d records, %,d bytes of NDJSON, %,d bytes of buffer on disk (cap %,d)%n",
                backlog.rows(), backlog.rawBytes(), backlog.diskBytes(), cap);
        double gzipCpu = backlog.rawBytes() / gzipCpuSeconds(backlog.ndjson()) / 1e6;
        System.out.printf("gzip -6 CPU cost: %.1f MB of NDJSON per CPU second%n", gzipCpu);
        System.out.println("ingest with nothing to drain, 15 s: " + baseline(work.resolve("run-idle"), cap));
        // the JIT compiles the drain path once before anything is timed
        Result warm = drain(work.resolve("run-warm-up"), backlog, "local", cap, threads.get(0));
        System.out.printf("warm-up drain (local, not counted): %.2f s%n", warm.seconds);
        double before = reference(reference, backlog.ndjson());
        for (String t : threads) {
            for (String target : targets) {
                Result r = drain(work.resolve("run-" + target), backlog, target, cap, t);
                double after = reference(reference, backlog.ndjson());
                double gzip = (before + after) / 2;
                double raw = backlog.rawBytes() / r.seconds / 1e6;
                System.out.printf("drain-%-5s threads=%s %6.2f s  %6.1f MB/s NDJSON  %5.1f MB/s of buffer  %d objects"
                        + "  CPU %.2f cores  | gzip-6 %.1f MB/s (%.1f before, %.1f after)  ratio %.2f%n",
                        target, t, r.seconds, raw, backlog.diskBytes() / r.seconds / 1e6, r.objects, r.cores, gzip, before,
                        after, raw / gzip);
                System.out.printf("  CPU cost: %.1f MB of NDJSON per CPU second of the agent's JVM (S3Proxy and the ingest"
                        + " client included), %.2f of gzip -6's%n", raw / r.cores, raw / r.cores / gzipCpu);
                System.out.printf("  ingest during the drain: %d requests of 200 records, %s not 204, latency p50 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms (first request left out)%n", r.requests, r.refused, r.p50, r.p99, r.max);
                before = after;
            }
        }
    }

    /** Appends 5,000-record batches until the buffer refuses one; reuses a finished fill. */
    static Backlog fill(Path dir, long cap) throws Exception {
        Path db = dir.resolve("buffer/buffer.db");
        Path ndjson = dir.resolve("records.ndjson");
        Path done = dir.resolve("done.properties");
        Properties p = new Properties();
        if (Files.exists(done)) {
            try (InputStream in = Files.newInputStream(done)) {
                p.load(in);
            }
            if (Long.parseLong(p.getProperty("cap")) == cap) {
                return new Backlog(db, ndjson, Long.parseLong(p.getProperty("rows")), Long.parseLong(p.getProperty("raw")),
                        Long.parseLong(p.getProperty("disk")));
            }
        }
        deleteTree(dir);
        Files.createDirectories(dir);
        Random r = new Random(42);
        long raw = 0;
        long rows;
        long disk;
        long t = System.nanoTime();
        try (RecordBuffer b = RecordBuffer.open(db, cap, WhenFull.REJECT, 5);
                OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(ndjson), 1 << 20)) {
            b.registerConsumer(Archiver.CONSUMER);
            for (int i = 0;;) {
                List<byte[]> bodies = new ArrayList<>(5000);
                for (int k = 0; k < 5000; k++, i++) {
                    bodies.add(DataPathBenchmark.ndjson(i, DataPathBenchmark.fields(r)).getBytes(StandardCharsets.UTF_8));
                }
                try {
                    b.append(new ArrayList<>(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY)), bodies);
                } catch (BufferFullException full) {
                    break;
                }
                for (byte[] body : bodies) {
                    out.write(body);
                    out.write('\n');
                    raw += body.length + 1;
                }
            }
            rows = b.rows();
            disk = b.bytesOnDisk();
        }
        System.out.printf("filled the buffer in %.1f s%n", (System.nanoTime() - t) / 1e9);
        p.setProperty("cap", Long.toString(cap));
        p.setProperty("rows", Long.toString(rows));
        p.setProperty("raw", Long.toString(raw));
        p.setProperty("disk", Long.toString(disk));
        try (OutputStream o = Files.newOutputStream(done)) {
            p.store(o, null);
        }
        return new Backlog(db, ndjson, rows, raw, disk);
    }

    record Result(double seconds, int objects, double cores, int requests, Map<Integer, Integer> refused, double p50, double p99,
            double max) {
    }

    static Result drain(Path run, Backlog backlog, String target, long cap, String threads) throws Exception {
        deleteTree(run);
        Files.createDirectories(run.resolve("buffer"));
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Path f = Path.of(backlog.db() + suffix);
            if (Files.exists(f)) {
                Files.copy(f, run.resolve("buffer/buffer.db" + suffix));
            }
        }
        S3Fixture s3 = target.equals("s3") ? new S3Fixture() : null;
        TestSettings s = new TestSettings(run).set("nervesys.buffer.maxBytes", cap).set("nervesys.archive.interval", "5s");
        if (!threads.equals("default")) {
            s.set("nervesys.archive.threads", threads);
        }
        if (s3 != null) {
            s.env("STORJ_BUCKET", S3Fixture.BUCKET).env("STORJ_ENDPOINT", s3.endpoint())
                    .env("STORJ_ACCESS_KEY", S3Fixture.ACCESS).env("STORJ_SECRET_KEY", S3Fixture.SECRET);
        }
        int port = Integer.parseInt(s.properties().get("nervesys.ingest.port"));
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Integer> refused = new java.util.concurrent.ConcurrentSkipListMap<>();
        Result result;
        try {
            double seconds;
            double cores;
            try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml", "archive.camel.yaml")) {
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                stopSending = false;
                Thread sender = new Thread(() -> send(port, latencies, refused), "drain-bench-ingest");
                sender.start();
                RecordBuffer b = agent.buffer();
                while (b.position(Archiver.CONSUMER) < backlog.rows()) {
                    Thread.sleep(20);
                }
                seconds = (System.nanoTime() - t0) / 1e9;
                cores = (os.getProcessCpuTime() - cpu0) / 1e9 / seconds;
                stopSending = true;
                sender.join();
            }
            List<String> keys = s3 != null ? s3.keys("logs/") : localKeys(run.resolve("archive"));
            try (BufferedReader expected = Files.newBufferedReader(backlog.ndjson())) {
                long compared = 0;
                for (String k : keys) {
                    byte[] gz = s3 != null ? s3.get(k) : Files.readAllBytes(run.resolve("archive").resolve(k));
                    try (BufferedReader got = new BufferedReader(new InputStreamReader(
                            new GZIPInputStream(new ByteArrayInputStream(gz), 1 << 16), StandardCharsets.UTF_8))) {
                        for (String l = got.readLine(); l != null && compared < backlog.rows(); l = got.readLine(), compared++) {
                            if (!l.equals(expected.readLine())) {
                                throw new IllegalStateException("object " + k + " differs from the backlog at record " + (compared + 1));
                            }
                        }
                    }
                }
                if (compared != backlog.rows()) {
                    throw new IllegalStateException("the objects hold " + compared + " of " + backlog.rows() + " records");
                }
            }
            List<Double> l = new ArrayList<>(latencies);
            Collections.sort(l);
                        result = new Result(seconds, keys.size(), cores, l.size(), refused, pct(l, 0.5), pct(l, 0.99),
                    l.isEmpty() ? 0 : l.get(l.size() - 1));
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
        return result;
    }

    private static volatile boolean stopSending;

    /** The same ingest client for 15 s against an agent whose buffer is empty: latency without a drain. */
    static String baseline(Path run, long cap) throws Exception {
        deleteTree(run);
        TestSettings s = new TestSettings(run).set("nervesys.buffer.maxBytes", cap).set("nervesys.archive.interval", "5s");
        int port = Integer.parseInt(s.properties().get("nervesys.ingest.port"));
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Integer> refused = new java.util.concurrent.ConcurrentSkipListMap<>();
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml", "archive.camel.yaml")) {
            stopSending = false;
            Thread sender = new Thread(() -> send(port, latencies, refused), "drain-bench-ingest");
            sender.start();
            Thread.sleep(15_000);
            stopSending = true;
            sender.join();
        }
        List<Double> l = new ArrayList<>(latencies);
        Collections.sort(l);
        return String.format("%d requests of 200 records, %s not 204, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                + " (first request left out)", l.size(), refused, pct(l, 0.5), pct(l, 0.99), l.isEmpty() ? 0 : l.get(l.size() - 1));
    }

    /** 200 records every 100 ms until the drain is over; the latency of each request in ms. */
    static void send(int port, List<Double> latencies, Map<Integer, Integer> refused) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Random r = new Random(7);
        int frame = 100_000_000;
        boolean first = true;
        try {
            while (!stopSending) {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < 200; k++) {
                    sb.append(DataPathBenchmark.ndjson(frame++, DataPathBenchmark.fields(r))).append('\n');
                }
                long t = System.nanoTime();
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(sb.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (!first) {
                    latencies.add((System.nanoTime() - t) / 1e6);
                }
                first = false;
                if (resp.statusCode() != 204) {
                    refused.merge(resp.statusCode(), 1, Integer::sum);
                }
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double pct(List<Double> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** The objects under the local folder as keys, in archive order. */
    static List<String> localKeys(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return S3Fixture.sorted(s.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).toList());
        }
    }

    /**
     * CPU seconds (user + system) of {@code gzip -6 -c FILE > /dev/null}: on a shared machine the
     * wall-clock rates of both sides depend on the share of the cores each gets, CPU cost much less.
     */
    static double gzipCpuSeconds(Path ndjson) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import resource, subprocess, sys\n"
                + "subprocess.run(['gzip', '-6', '-c', sys.argv[1]], stdout=subprocess.DEVNULL, check=True)\n"
                + "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                + "print(r.ru_utime + r.ru_stime)", ndjson.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gzip -6 failed: " + out);
        }
        return Double.parseDouble(out);
    }

    /** Runs reference.py on the file, prints its output, returns its gzip-6 rate in MB/s. */
    static double reference(String script, Path ndjson) throws Exception {
        Process p = new ProcessBuilder("python3", script, ndjson.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("reference.py failed: " + out);
        }
        System.out.print(out.lines().map(l -> "  reference: " + l + "\n").reduce("", String::concat));
        Matcher m = GZIP.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no gzip-6 line in reference.py's output: " + out);
        }
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
