package dev.nervesys.runs;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.RecordKind;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.buffer.WhenFull;
import dev.nervesys.clickhouse.ClickHouseClient;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseSettings;
import dev.nervesys.clickhouse.ClickHouseShipper;
import dev.nervesys.clickhouse.DeadLetters;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.ingest.IngestService;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import dev.nervesys.live.LiveSettings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Not a test: the measurements of docs/benchmarks.md "Runs, ClickHouse, live view", in one run.
 * usage: RunsBenchmark WORKDIR [shipper|live|export|all] (ClickHouse on 127.0.0.1:8123, one database per part, dropped after)
 */
public final class RunsBenchmark {

    static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** -Dbench.bulkTelemetry=true: the background load is telemetry of other runs (it then also churns the live ring) */
    static final boolean BULK_TELEMETRY = Boolean.getBoolean("bench.bulkTelemetry");

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Files.createDirectories(work);
        String what = args.length > 1 ? args[1] : "all";
        if (what.equals("all") || what.equals("shipper")) {
            shipper(work.resolve("shipper"));
        }
        if (what.equals("all") || what.equals("live")) {
            live(work.resolve("live"));
        }
        if (what.equals("all") || what.equals("export")) {
            export();
        }
    }

    // ---- (a) shipper vs ClickHouse's own JSONEachRow insert of the same rows ----

    /** 125,000 records x 7 numeric fields = 125,000 events rows + 875,000 series rows = 1,000,000 rows. */
    static byte[] telemetry(String run, long frame) {
        StringBuilder b = new StringBuilder(260);
        b.append("{\"run_id\":\"").append(run).append("\",\"source\":\"engine-").append(frame % 4).append("\",\"type\":\"update\",\"frame\":")
                .append(frame).append(",\"time\":\"").append(Instant.parse("2025-12-10T12:00:00Z").plusNanos(frame * 1_000_000L))
                .append("\",\"seq\":").append(frame).append(",\"fields\":{");
        String[] names = {"rpm", "oil_temp", "oil_press", "coolant", "throttle", "speed", "boost"};
        for (int i = 0; i < names.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(names[i]).append("\":").append((frame * 7 + i * 13) % 10000 / 10.0);
        }
        return b.append("}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static void shipper(Path dir) throws Exception {
        Files.createDirectories(dir);
        int records = 125_000;
        // the exact JSONEachRow bodies the shipper sends, for curl
        List<BufferedRecord> all = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            all.add(new BufferedRecord(i + 1, RecordKind.TELEMETRY, System.currentTimeMillis(), telemetry("bench", i)));
        }
        RowEncoder.Batch enc = RowEncoder.encode(all);
        Path events = dir.resolve("events.ndjson");
        Path series = dir.resolve("series.ndjson");
        Files.write(events, java.util.Arrays.copyOf(enc.events.buf, enc.events.size));
        Files.write(series, java.util.Arrays.copyOf(enc.series.buf, enc.series.size));
        long rows = enc.records + enc.seriesRows;
        System.out.printf("shipper: %,d records = %,d events + %,d series = %,d rows; JSONEachRow %,d + %,d bytes%n", enc.records,
                enc.records, enc.seriesRows, rows, Files.size(events), Files.size(series));
        all = null;
        enc = null;

        String refDb = db();
        try {
            ClickHouseSchema.create(new ClickHouseClient(CH, refDb, null, null, Duration.ofMinutes(5)));
            long t = System.nanoTime();
            curl(refDb, "events", events);
            curl(refDb, "series", series);
            double refSecs = (System.nanoTime() - t) / 1e9;
            check(refDb, rows);
            double ref = rows / refSecs;
            System.out.printf("  clickhouse-curl  %,10.0f rows/s (%.2f s, one curl --data-binary per table)%n", ref, refSecs);

            String db = db();
            try {
                ClickHouseClient ch = new ClickHouseClient(CH, db, null, null, Duration.ofMinutes(5));
                ClickHouseSchema.create(ch);
                try (RecordBuffer buffer = RecordBuffer.open(dir.resolve("buffer.db"), 4L << 30, WhenFull.REJECT, 1);
                        DeadLetters dl = new DeadLetters(dir.resolve("dead.db"))) {
                    ClickHouseSettings s = new ClickHouseSettings(CH, db, null, null, 50_000, Duration.ofSeconds(1),
                            Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), dir.resolve("dead.db"),
                            Duration.ofMinutes(15));
                    ClickHouseShipper shipper = new ClickHouseShipper(buffer, s, ch, dl, 16L << 20, java.time.Clock.systemUTC());
                    for (int from = 0; from < records; from += 10_000) {
                        List<byte[]> bodies = new ArrayList<>();
                        for (int i = from; i < Math.min(records, from + 10_000); i++) {
                            bodies.add(telemetry("bench", i));
                        }
                        buffer.append(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
                    }
                    for (int k = 0; k < 3; k++) { // where the time goes, per 50,000-record batch (not shipped)
                        long a = System.nanoTime();
                        List<BufferedRecord> batch = buffer.read(0, 50_000);
                        long b2 = System.nanoTime();
                        RowEncoder.Batch e = RowEncoder.encode(batch);
                        long c = System.nanoTime();
                        RowEncoder.Batch rb = RowEncoder.encode(batch, true, true);
                        long d = System.nanoTime();
                        System.out.printf("  phases of a 50,000-record batch: buffer read %d ms, encode JSONEachRow %d ms (%,d bytes),"
                                + " RowBinary (what the shipper sends) %d ms (%,d bytes)%n", (b2 - a) / 1_000_000, (c - b2) / 1_000_000,
                                e.events.size + e.series.size, (d - c) / 1_000_000, rb.events.size + rb.series.size);
                    }
                    long t0 = System.nanoTime();
                    while (shipper.pendingRows() > 0) {
                        shipper.tick();
                        if (shipper.consecutiveFailures() > 0) {
                            throw new IllegalStateException(shipper.lastError());
                        }
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    check(db, rows);
                    System.out.printf("  shipper          %,10.0f rows/s (%.2f s from the buffer, batches of 50,000 records, cursor acknowledged)"
                            + "%n  ratio shipper / clickhouse-curl = %.2f%n  status %s%n", rows / secs, secs, rows / secs / ref, shipper.status());
                }
            } finally {
                drop(db);
            }
        } finally {
            drop(refDb);
        }
    }

    static void curl(String db, String table, Path file) throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--fail", "--data-binary", "@" + file,
                CH + "/?query=" + java.net.URLEncoder.encode("INSERT INTO " + db + "." + table + " FORMAT JSONEachRow", StandardCharsets.UTF_8))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("curl: " + out);
        }
    }

    static void check(String db, long rows) throws Exception {
        long n = Long.parseLong(sql("SELECT (SELECT count() FROM " + db + ".events) + (SELECT count() FROM " + db + ".series)").trim());
        if (n != rows) {
            throw new IllegalStateException(db + " holds " + n + " rows, expected " + rows);
        }
    }

    static String db() throws Exception {
        String db = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        sql("CREATE DATABASE " + db);
        return db;
    }

    static void drop(String db) throws Exception {
        sql("DROP DATABASE IF EXISTS " + db);
    }

    static String sql(String q) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(CH + "/")).POST(HttpRequest.BodyPublishers.ofString(q)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.body());
        }
        return r.body();
    }

    // ---- (b) 60 series at 1 kHz to 10 WebSocket clients, ingest rate with and without them ----

    static void live(Path dir) throws Exception {
        int port = DataPathHarness.freePort();
        int livePort = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.buffer.maxBytes", "8GB");
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml")) {
            LiveSettings cfg = new LiveSettings("127.0.0.1", livePort, 500_000, 64L << 20, 1024, 50, 1000, 5000, 100, 50, 1 << 20);
            RunRegistry runs = new RunRegistry(null, Duration.ofMinutes(5));
            LiveHub hub = new LiveHub(cfg, runs, "bench");
            ((IngestService) agent.beans.get("ingest")).addListener(hub);
            LiveServer server = new LiveServer(hub, cfg, new RunsApi(runs, null));
            server.start();
            try {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong bulk = new AtomicLong();
                AtomicLong paced = new AtomicLong();
                AtomicLong pacedLate = new AtomicLong();
                List<Thread> threads = new ArrayList<>();
                // the engine: 60 series (6 sources x 10 fields) at 1 kHz, real time, a request every 10 ms
                threads.add(start(() -> pacedEngine(port, stop, paced, pacedLate)));
                // the rest of the fleet: as fast as ingest takes it, 2 keep-alive connections, 1,000-record batches
                // (InfluxDB line protocol by default: metrics, which the live view does not keep)
                for (int c = 0; c < 2; c++) {
                    int conn = c;
                    threads.add(start(() -> bulkLoad(port, conn, stop, bulk)));
                }
                int phaseSecs = Integer.getInteger("bench.phaseSeconds", 10);
                List<double[]> without = new ArrayList<>();
                List<double[]> with = new ArrayList<>();
                // round 0 is the warm-up (JIT of both paths), not counted
                for (int round = 0; round < 4; round++) {
                    double[] w = phase(round == 0 ? "warm-up     " : "no clients  ", phaseSecs, bulk, paced, null);
                    if (round > 0) {
                        without.add(w);
                    }
                    List<Client> clients = new ArrayList<>();
                    List<WebSocket> sockets = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        Client c = new Client();
                        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + livePort + "/live"), c).join();
                        ws.sendText("{\"op\":\"subscribe\",\"id\":\"a\",\"run\":\"engine-run\",\"series\":[\"*\"],\"rate\":1000,\"tail\":0}", true).join();
                        clients.add(c);
                        sockets.add(ws);
                    }
                    pause(2_000);
                    double[] c = phase(round == 0 ? "warm-up     " : "10 clients  ", phaseSecs, bulk, paced, clients);
                    if (round > 0) {
                        with.add(c);
                    }
                    for (WebSocket ws : sockets) {
                        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
                    }
                    pause(1_000);
                }
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
                double w0 = without.stream().mapToDouble(a -> a[0]).average().orElse(0);
                double w1 = with.stream().mapToDouble(a -> a[0]).average().orElse(0);
                System.out.printf("live: bulk ingest %,.0f records/s without clients, %,.0f with 10 clients: ratio %.3f;"
                        + " engine requests late (>10 ms behind schedule): %,d; live hub %s%n", w0, w1, w1 / w0, pacedLate.get(), hub.status());
            } finally {
                server.close();
            }
        }
    }

    /** Returns {bulk records/s, paced records/s, points/s per client (min), dropped frames total}. */
    static double[] phase(String name, int secs, AtomicLong bulk, AtomicLong paced, List<Client> clients) {
        long b0 = bulk.get();
        long p0 = paced.get();
        long[] c0 = clients == null ? new long[0] : clients.stream().mapToLong(c -> c.points.get()).toArray();
        long d0 = clients == null ? 0 : clients.stream().mapToLong(c -> c.dropped.get()).sum();
        long t = System.nanoTime();
        pause(secs * 1000L);
        double dt = (System.nanoTime() - t) / 1e9;
        double bRate = (bulk.get() - b0) / dt;
        double pRate = (paced.get() - p0) / dt;
        double minPts = Double.NaN;
        double maxPts = Double.NaN;
        long dropped = 0;
        if (clients != null) {
            minPts = Double.MAX_VALUE;
            maxPts = 0;
            for (int i = 0; i < clients.size(); i++) {
                double r = (clients.get(i).points.get() - c0[i]) / dt;
                minPts = Math.min(minPts, r);
                maxPts = Math.max(maxPts, r);
            }
            dropped = clients.stream().mapToLong(c -> c.dropped.get()).sum() - d0;
        }
        System.out.printf("  %s bulk ingest %,9.0f records/s | engine %,6.0f records/s (x60 series = %,7.0f points/s)%s%n", name, bRate, pRate,
                pRate * 60, clients == null ? "" : String.format(" | per client %,.0f..%,.0f points/s, dropped frames %,d", minPts, maxPts, dropped));
        return new double[] {bRate, pRate, minPts, dropped};
    }

    static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void pause(long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    static void pacedEngine(int port, AtomicBoolean stop, AtomicLong sent, AtomicLong late) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            long t0 = System.nanoTime();
            long frame = 0;
            Instant base = Instant.parse("2025-12-10T12:00:00Z");
            while (!stop.get()) {
                long due = (System.nanoTime() - t0) / 1_000_000; // frames due by now at 1 kHz
                if (due - frame > 10) {
                    late.incrementAndGet();
                }
                StringBuilder b = new StringBuilder();
                for (; frame < due; frame++) {
                    String time = base.plusMillis(frame).toString();
                    for (int src = 0; src < 6; src++) {
                        b.append("{\"run_id\":\"engine-run\",\"source\":\"unit").append(src).append("\",\"type\":\"update\",\"frame\":")
                                .append(frame).append(",\"time\":\"").append(time).append("\",\"fields\":{");
                        for (int f = 0; f < 10; f++) {
                            b.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":").append((frame + f * 17) % 1000 / 10.0);
                        }
                        b.append("}}\n");
                    }
                }
                if (b.length() > 0) {
                    post(out, in, "/ingest", b.toString().getBytes(StandardCharsets.UTF_8));
                    sent.addAndGet(b.chars().filter(c -> c == '\n').count() / 6);
                }
                LockSupport.parkNanos(10_000_000L - (System.nanoTime() - t0) % 10_000_000L);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void bulkLoad(int port, int conn, AtomicBoolean stop, AtomicLong sent) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            long frame = 0;
            while (!stop.get()) {
                StringBuilder b = new StringBuilder(1000 * 200);
                for (int i = 0; i < 1000; i++, frame++) {
                    if (BULK_TELEMETRY) {
                        b.append(new String(telemetry("bulk-" + conn, frame), StandardCharsets.UTF_8)).append('\n');
                    } else {
                        b.append("engine,host=h").append(conn).append(",unit=u").append(frame % 8).append(" rpm=").append(frame % 7000)
                                .append(",oil_temp=").append(frame % 1200 / 10.0).append(",oil_press=").append(frame % 60 / 10.0)
                                .append(",coolant=").append(frame % 900 / 10.0).append(",throttle=").append(frame % 100)
                                .append(",speed=").append(frame % 300).append(",boost=").append(frame % 25 / 10.0).append(",lambda=0.98 ")
                                .append(1_765_368_000_000_000_000L + frame * 1_000_000L).append('\n');
                    }
                }
                post(out, in, BULK_TELEMETRY ? "/ingest" : "/write?db=bench", b.toString().getBytes(StandardCharsets.UTF_8));
                sent.addAndGet(1000);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void post(OutputStream out, InputStream in, String path, byte[] body) throws IOException {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + (path.startsWith("/write") ? "text/plain" : "application/x-ndjson")
                + "\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        String status = line(in);
        int len = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.toLowerCase().startsWith("content-length:")) {
                len = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.readNBytes(len);
        if (!status.contains(" 204")) {
            throw new IllegalStateException("refused: " + status);
        }
    }

    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Counts points of data messages with a scan of the "f" arrays (no JSON tree: the clients share the machine). */
    static final class Client implements WebSocket.Listener {
        final AtomicLong points = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                String m = part.toString();
                part.setLength(0);
                int i = 0;
                long n = 0;
                while ((i = m.indexOf("\"f\":[", i)) >= 0) {
                    int end = m.indexOf(']', i);
                    if (end > i + 5) {
                        n++;
                        for (int k = i + 5; k < end; k++) {
                            if (m.charAt(k) == ',') {
                                n++;
                            }
                        }
                    }
                    i = end;
                }
                points.addAndGet(n);
                int d = m.lastIndexOf("\"dropped\":");
                if (d >= 0) {
                    int e = d + 10;
                    while (e < m.length() && Character.isDigit(m.charAt(e))) {
                        e++;
                    }
                    long total = Long.parseLong(m.substring(d + 10, e));
                    dropped.accumulateAndGet(total, Math::max);
                }
            }
            ws.request(1);
            return null;
        }
    }

    // ---- (c) export of 1M series points to CSV ----

    static void export() throws Exception {
        String db = db();
        try {
            ClickHouseClient ch = new ClickHouseClient(CH, db, null, null, Duration.ofMinutes(5));
            ClickHouseSchema.create(ch);
            sql("INSERT INTO " + db + ".series SELECT 'x1', concat('unit', toString(number % 10), '.f', toString(intDiv(number, 10) % 10)),"
                    + " intDiv(number, 100), toDateTime('2025-12-10 12:00:00', 'UTC') + intDiv(number, 100000), (number * 7919) % 1000000000,"
                    + " (number % 100000) / 10, number FROM system.numbers LIMIT 1000000");
            RunRegistry runs = new RunRegistry(ch, Duration.ofMinutes(5));
            int port = DataPathHarness.freePort();
            LiveSettings cfg = new LiveSettings("127.0.0.1", port, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
            LiveServer server = new LiveServer(new LiveHub(cfg, runs, "bench"), cfg, new RunsApi(runs, new RunExport(ch)));
            server.start();
            try {
                for (int i = 0; i < 3; i++) {
                    long t = System.nanoTime();
                    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/runs/x1/export?format=csv")).build(), HttpResponse.BodyHandlers.ofInputStream());
                    long bytes = 0;
                    long lines = 0;
                    byte[] buf = new byte[1 << 16];
                    try (InputStream in = r.body()) {
                        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                            bytes += n;
                            for (int k = 0; k < n; k++) {
                                if (buf[k] == '\n') {
                                    lines++;
                                }
                            }
                        }
                    }
                    double secs = (System.nanoTime() - t) / 1e9;
                    if (lines != 1_000_001) {
                        throw new IllegalStateException("export gave " + lines + " lines");
                    }
                    System.out.printf("export: 1,000,000 points to CSV via the agent in %.2f s (%,d bytes, %.0f MB/s)%n", secs, bytes, bytes / secs / 1e6);
                }
                // ClickHouse alone, same query, curl to /dev/null
                String q = new RunExport(ch).sql("x1", null, "csv");
                long t = System.nanoTime();
                Process p = new ProcessBuilder("curl", "-sS", "--fail", "-o", "/dev/null", "--data-binary", q, CH + "/").inheritIO().start();
                p.waitFor();
                System.out.printf("export: same query, ClickHouse to curl directly: %.2f s%n", (System.nanoTime() - t) / 1e9);
            } finally {
                server.close();
            }
        } finally {
            drop(db);
        }
    }
}
