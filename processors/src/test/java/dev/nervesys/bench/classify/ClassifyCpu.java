package dev.nervesys.bench.classify;

import java.lang.management.ManagementFactory;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Not a test: {@link ClassifyBenchmark}'s work measured as CPU time of the calling thread
 * (ThreadMXBean), which stays meaningful on a loaded machine where JMH's wall-clock scores do not.
 * usage: ClassifyCpu [rules|rules+text] [records per round]; run from processors/.
 */
public final class ClassifyCpu {

    public static void main(String[] args) throws Exception {
        ClassifyBenchmark b = new ClassifyBenchmark();
        b.mode = args.length > 0 ? args[0] : "rules";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
        b.setup();
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int round = 0; round < 5; round++) {
            b.drain();
            long cpu = mx.getCurrentThreadCpuTime();
            long alloc = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < n; i++) {
                b.classify(bh);
            }
            double secs = (mx.getCurrentThreadCpuTime() - cpu) / 1e9;
            System.out.printf("%s round %d: %,.0f records per CPU-second (%.0f ns/record), %,d B/record%n", b.mode, round, n / secs,
                    secs * 1e9 / n, (mx.getThreadAllocatedBytes(tid) - alloc) / n);
        }
    }
}
