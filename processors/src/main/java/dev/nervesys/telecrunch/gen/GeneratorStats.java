package dev.nervesys.telecrunch.gen;

import java.util.concurrent.atomic.LongAdder;

/** Live counters of a generator run, updated per block by the worker threads. */
public final class GeneratorStats {

    private final LongAdder records = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder anomalies = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final long startNanos = System.nanoTime();

    void add(long recordCount, long byteCount, long anomalyCount) {
        records.add(recordCount);
        bytes.add(byteCount);
        anomalies.add(anomalyCount);
    }

    void failed() {
        failures.increment();
    }

    public long records() {
        return records.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long anomalies() {
        return anomalies.sum();
    }

    /** Batches a sink could not deliver (HTTP errors). */
    public long failures() {
        return failures.sum();
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
