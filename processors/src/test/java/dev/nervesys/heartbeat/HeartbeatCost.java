package dev.nervesys.heartbeat;

import dev.nervesys.testing.RoutesHarness;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Not a test: CPU time and allocation per heartbeat (docs/benchmarks.md), measured on the calling
 * thread with ThreadMXBean, which a loaded machine disturbs far less than wall time.
 * usage: HeartbeatCost WORKDIR [beats]. The beans are the real ones of {@link RoutesHarness} (data
 * path + heartbeat, SQLite spool in WORKDIR); a beat = figures + status + one spool row. The
 * flush (batch INSERT of waiting rows into the SQLite database) is measured per row flushed.
 */
public final class HeartbeatCost {

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        RoutesHarness.Settings s = new RoutesHarness.Settings(work.resolve("data"), "bench-agent");
        s.set("nervesys.heartbeat.spoolMax", Integer.toString(n * 4));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        try (RoutesHarness h = new RoutesHarness(s, Map.of())) {
            HeartbeatService hb = h.bean("heartbeat");
            for (int i = 0; i < n; i++) {
                hb.beat(null); // warm-up
            }
            for (int round = 0; round < 3; round++) {
                long cpu = mx.getCurrentThreadCpuTime();
                long alloc = mx.getThreadAllocatedBytes(tid);
                long t = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    hb.snapshot(null, java.time.Instant.now());
                }
                long sCpu = mx.getCurrentThreadCpuTime() - cpu;
                long sAlloc = mx.getThreadAllocatedBytes(tid) - alloc;
                cpu = mx.getCurrentThreadCpuTime();
                alloc = mx.getThreadAllocatedBytes(tid);
                long t2 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    hb.beat(null);
                }
                long bCpu = mx.getCurrentThreadCpuTime() - cpu;
                long bAlloc = mx.getThreadAllocatedBytes(tid) - alloc;
                long bWall = System.nanoTime() - t2;
                System.out.printf("round %d: snapshot %6.1f us CPU, %,7d B allocated | beat (snapshot + spool row) %6.1f us CPU,"
                                + " %,7d B allocated, %6.1f us wall (%,d beats, spool fsync mode default)%n",
                        round, sCpu / 1e3 / n, sAlloc / n, bCpu / 1e3 / n, bAlloc / n, bWall / 1e3 / n, n);
            }
        }
    }
}
