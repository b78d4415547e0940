package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.pack.RecordBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Runs the simulation on worker threads. Source {@code s} belongs to thread {@code s % threads}
 * and has its own random stream, so each source's records are the same for a given seed
 * whatever the thread count; only the interleaving in the outputs differs.
 */
public final class Generator {

    private final GeneratorConfig cfg;
    private final GeneratorStats stats = new GeneratorStats();

    public Generator(GeneratorConfig cfg) {
        if (cfg.count() < 0 || cfg.sources() < 1 || cfg.threads() < 1 || cfg.blockRecords() < 1) {
            throw new IllegalArgumentException("count >= 0, sources >= 1, threads >= 1 and block >= 1 required");
        }
        this.cfg = cfg;
    }

    public GeneratorStats stats() {
        return stats;
    }

    /** Generates everything; {@code sinkFor.apply(t)} gives thread t its sink. Returns the anomalies injected. */
    public List<Anomaly> run(IntFunction<RecordSink> sinkFor) throws IOException, InterruptedException {
        int threads = Math.min(cfg.threads(), cfg.sources());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "telecrunch-gen");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<Anomaly>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> work(thread, threads, sinkFor.apply(thread))));
            }
            List<Anomaly> all = new ArrayList<>();
            for (Future<List<Anomaly>> f : futures) {
                all.addAll(f.get());
            }
            all.sort(Comparator.comparing(Anomaly::source).thenComparingLong(Anomaly::seq));
            return Collections.unmodifiableList(all);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private List<Anomaly> work(int thread, int threads, RecordSink sink) throws IOException {
        List<SourceSimulator> sims = new ArrayList<>();
        List<Long> quota = new ArrayList<>();
        for (int s = thread; s < cfg.sources(); s += threads) {
            sims.add(new SourceSimulator(cfg.schema(), s, cfg.seed(), cfg.startNanos(), cfg));
            quota.add(cfg.count() / cfg.sources() + (s < cfg.count() % cfg.sources() ? 1 : 0));
        }
        long[] left = quota.stream().mapToLong(Long::longValue).toArray();
        long total = 0;
        for (long q : left) {
            total += q;
        }
        double perThreadRate = cfg.rate() > 0 ? cfg.rate() / threads : 0;
        // at a set rate, blocks of about 1/10 s keep the output smooth
        int blockSize = perThreadRate > 0 ? (int) Math.max(1, Math.min(cfg.blockRecords(), perThreadRate / 10))
                : cfg.blockRecords();
        RecordBlock block = new RecordBlock(cfg.schema(), blockSize);
        block.runId(cfg.runId());
        List<Anomaly> log = new ArrayList<>();
        long start = System.nanoTime();
        long emitted = 0;
        try (sink) {
            int anomaliesBefore = 0;
            while (emitted < total) {
                for (SourceSimulator sim : sims) {
                    block.sourceIndex(sim.name);
                }
                while (!block.isFull() && emitted < total) {
                    for (int k = 0; k < sims.size() && !block.isFull(); k++) {
                        if (left[k] > 0 && sims.get(k).emit(block, k, log)) {
                            left[k]--;
                            emitted++;
                        }
                    }
                }
                long bytes = sink.accept(block);
                stats.add(block.size(), bytes, log.size() - anomaliesBefore);
                anomaliesBefore = log.size();
                block.clear();
                if (perThreadRate > 0) {
                    long due = start + (long) (emitted / perThreadRate * 1e9);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
            }
            stats.add(0, sink.finish(), 0);
        }
        return log;
    }
}
