package dev.nervesys.archive;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.TestSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Not a test: measures the data path against docs/benchmarks.md's references, in one run.
 * usage: DataPathBenchmark WORKDIR [records] — writes WORKDIR/records.ndjson and records.lp (seeded),
 * pushes them through HTTP ingest (2 keep-alive connections, 5,000-line batches) into the committed
 * buffer, then archives the buffer with gzip -6 and zstd -3, and runs shared/bench/reference.py.
 */
public final class DataPathBenchmark {

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        Files.createDirectories(work);
        Path ndjson = work.resolve("records.ndjson");
        Path lp = work.resolve("records.lp");
        generate(n, ndjson, lp);
        System.out.printf("records: %,d, NDJSON %,d bytes, LP %,d bytes%n", n, Files.size(ndjson), Files.size(lp));

        System.out.println("ndjson-ingest " + ingest(work.resolve("run-ndjson"), ndjson, "/ingest", true));
        System.out.println("lp-ingest     " + ingest(work.resolve("run-lp"), lp, "/write?db=bench", false));
        Runtime rt = Runtime.getRuntime();
        System.out.printf("heap used after runs: %,d MB of max %,d MB%n", (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
        Process ref = new ProcessBuilder("python3", args.length > 2 ? args[2] : "../../shared/bench/reference.py", ndjson.toString())
                .inheritIO().start();
        ref.waitFor();
    }

    /** 8 numeric fields per record, seeded. */
    static void generate(int n, Path ndjson, Path lp) throws IOException {
        Random r = new Random(42);
        try (BufferedWriter j = Files.newBufferedWriter(ndjson); BufferedWriter l = Files.newBufferedWriter(lp)) {
            long t0 = 1_765_368_000_000_000_000L;
            for (int i = 0; i < n; i++) {
                double[] f = fields(r);
                long ns = t0 + i * 10_000_000L;
                String src = "s" + (i % 4);
                j.write(ndjson(i, f) + "\n");
                l.write("engine,run_id=bench,source=" + src + " rpm=" + f[0] + ",oil_temp=" + f[1] + ",oil_press=" + f[2]
                        + ",coolant=" + f[3] + ",throttle=" + f[4] + ",speed=" + f[5] + ",boost=" + f[6] + ",lambda=" + f[7]
                        + " " + ns + "\n");
            }
        }
    }

    /** The 8 numeric fields of one record. */
    static double[] fields(Random r) {
        double[] f = new double[8];
        for (int k = 0; k < 8; k++) {
            f[k] = Math.round(r.nextDouble() * 100000) / 10.0;
        }
        return f;
    }

    /** Record i as one NDJSON line (no newline). */
    static String ndjson(int i, double[] f) {
        return "{\"run_id\":\"bench\",\"source\":\"s" + (i % 4) + "\",\"type\":\"update\",\"frame\":" + i
                + ",\"time\":\"2025-12-10T12:" + String.format("%02d:%02d.%09dZ", (i / 6000) % 60, (i / 100) % 60, (i % 100) * 10_000_000)
                + "\",\"seq\":" + i + ",\"fields\":{\"rpm\":" + f[0] + ",\"oil_temp\":" + f[1] + ",\"oil_press\":" + f[2]
                + ",\"coolant\":" + f[3] + ",\"throttle\":" + f[4] + ",\"speed\":" + f[5] + ",\"boost\":" + f[6]
                + ",\"lambda\":" + f[7] + "}}";
    }

    static String ingest(Path dataDir, Path file, String path, boolean archiveAfter) throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dataDir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.buffer.maxBytes", "2GB");
        long lines;
        try (var l = Files.lines(file)) {
            lines = l.count();
        }
        // batches are read from the file as the senders need them: the load generator's memory stays small
        java.io.BufferedReader reader = Files.newBufferedReader(file);
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml")) {
            long t = System.nanoTime();
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                Thread th = new Thread(() -> send(port, path, reader));
                th.start();
                senders.add(th);
            }
            for (Thread th : senders) {
                th.join();
            }
            double secs = (System.nanoTime() - t) / 1e9;
            RecordBuffer b = agent.buffer();
            if (b.rows() != lines) {
                throw new IllegalStateException("buffer holds " + b.rows() + " rows, sent " + lines);
            }
            String out = String.format("%,12.0f records/s (%,d in %.2f s, committed)", lines / secs, lines, secs);
            if (archiveAfter) {
                out += "\n" + archive(b, dataDir, "gzip", 6) + "\n" + archive(b, dataDir, "zstd", 3);
            }
            return out;
        }
    }

    static String archive(RecordBuffer b, Path dir, String compression, int level) throws IOException {
        Path f = dir.resolve("bench." + compression);
        long t = System.nanoTime();
        ArchiveWriter.Written w = ArchiveWriter.write(b, 1, b.rows(), f, compression, level);
        double secs = (System.nanoTime() - t) / 1e9;
        return String.format("archive-%s-%d  %,8.1f MB/s   ratio %.2fx (%,d -> %,d bytes, rows read from the buffer)",
                compression, level, w.rawBytes() / secs / 1e6, (double) w.rawBytes() / w.fileBytes(), w.rawBytes(), w.fileBytes());
    }

    /** The next 5,000 lines, or null at the end. */
    static byte[] nextBatch(java.io.BufferedReader reader) throws IOException {
        StringBuilder sb = new StringBuilder(5000 * 300);
        synchronized (reader) {
            for (int i = 0; i < 5000; i++) {
                String l = reader.readLine();
                if (l == null) {
                    break;
                }
                sb.append(l).append('\n');
            }
        }
        return sb.length() == 0 ? null : sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One keep-alive connection; takes the next batch until none is left. */
    static void send(int port, String path, java.io.BufferedReader reader) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (byte[] body = nextBatch(reader); body != null; body = nextBatch(reader)) {
                out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                String status = readLine(in);
                int len = 0;
                for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
                    if (h.toLowerCase().startsWith("content-length:")) {
                        len = Integer.parseInt(h.substring(15).trim());
                    }
                }
                in.readNBytes(len);
                if (!status.contains(" 204")) {
                    throw new IllegalStateException("batch refused: " + status);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
