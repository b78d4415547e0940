package dev.nervesys.ingest;

import dev.nervesys.common.Telemetry;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Not a test: ns per record of {@code NdjsonScanner.classify} (telemetry and log lines) and {@code Telemetry.read}
 * (the scanner path, checked) on 20,000 fixed records of each; best round of the last two thirds.
 * usage: ScannerSpeed [rounds] [label] (docs/benchmarks.md, "JSON scanners: shared token scanning").
 */
public final class ScannerSpeed {
    public static void main(String[] args) throws Exception {
        int n = 20_000;
        Random r = new Random(1);
        byte[][] tel = new byte[n][];
        byte[][] log = new byte[n][];
        for (int i = 0; i < n; i++) {
            StringBuilder f = new StringBuilder();
            for (int k = 0; k < 12; k++) {
                if (k > 0) f.append(',');
                f.append("\"field_").append(k).append("\":");
                switch (k % 4) {
                    case 0 -> f.append(r.nextInt(100000));
                    case 1 -> f.append(String.format(java.util.Locale.ROOT, "%.3f", r.nextDouble() * 1000 - 500));
                    case 2 -> f.append(r.nextDouble());
                    default -> f.append(r.nextBoolean() ? "true" : "\"on\"");
                }
            }
            tel[i] = ("{\"run_id\":\"run-" + (i / 1000) + "\",\"source\":\"engine-" + (i % 7) + "\",\"type\":\"update\",\"frame\":" + i
                    + ",\"seq\":" + i + ",\"time\":" + (1765368000123456789L + i * 1000L) + ",\"fields\":{" + f + "}}")
                    .getBytes(StandardCharsets.UTF_8);
            log[i] = ("{\"timestamp\":\"2025-12-10T12:00:01.123+02:00\",\"level\":\"warn\",\"message\":\"valve " + i
                    + " pressure high, température ok\",\"agent_id\":\"a-" + (i % 5) + "\",\"action\":null,\"context\":{\"k\":[1,2.5,\"x\"],\"z\":null}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        for (byte[] b : tel) if (NdjsonScanner.classify(b, 0, b.length) != NdjsonScanner.TELEMETRY) throw new AssertionError("tel");
        for (byte[] b : log) if (NdjsonScanner.classify(b, 0, b.length) != NdjsonScanner.LOG) throw new AssertionError("log");
        Telemetry t = new Telemetry();
        try {
            java.lang.reflect.Field sc = Telemetry.class.getDeclaredField("scanned");
            sc.setAccessible(true);
            for (byte[] b : tel) { t.read(b); if (!sc.getBoolean(t)) throw new AssertionError("not scanned: " + new String(b, StandardCharsets.UTF_8)); }
        } catch (ReflectiveOperationException e) { throw new RuntimeException(e); }
        int rounds = Integer.parseInt(args.length > 0 ? args[0] : "15");
        long sink = 0;
        double bestNd = Double.MAX_VALUE, bestTe = Double.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 20; rep++) {
                for (int i = 0; i < n; i++) {
                    sink += NdjsonScanner.classify(tel[i], 0, tel[i].length);
                    sink += NdjsonScanner.classify(log[i], 0, log[i].length);
                }
            }
            long t1 = System.nanoTime();
            for (int rep = 0; rep < 20; rep++) {
                for (int i = 0; i < n; i++) {
                    sink += t.read(tel[i]).count;
                }
            }
            long t2 = System.nanoTime();
            double nd = (t1 - t0) / (20.0 * 2 * n), te = (t2 - t1) / (20.0 * n);
            if (round >= rounds / 3) { bestNd = Math.min(bestNd, nd); bestTe = Math.min(bestTe, te); }
        }
        System.out.printf("%s ndjson.classify %.1f ns/line  telemetry.read %.1f ns/record  (sink %d)%n",
                args.length > 1 ? args[1] : "", bestNd, bestTe, sink);
    }
}
