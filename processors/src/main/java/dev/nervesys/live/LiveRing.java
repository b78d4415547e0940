package dev.nervesys.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The recent records of every run, in memory, bounded in records and in (estimated) bytes across
 * all runs. When over a bound, records go oldest run first (the run updated least recently loses
 * its records from the front, and disappears when empty), so the run being watched is the last to
 * lose anything. Used only by the hub's worker thread: not thread-safe.
 */
public final class LiveRing {

    /** One record: numeric fields by series index of its run. */
    public record Rec(int source, long frame, long timeNanos, int[] series, double[] values) {
        long bytes() {
            return 64L + 12L * series.length;
        }
    }

    /** One run's records and the names of its sources and series. */
    public static final class RunRing {
        public final String id;
        public final ArrayDeque<Rec> records = new ArrayDeque<>();
        public final List<String> series = new ArrayList<>();
        public final List<String> sources = new ArrayList<>();
        final Map<String, Integer> seriesIndex = new HashMap<>();
        final Map<String, Integer> sourceIndex = new HashMap<>();
        long lastUpdate;
        long bytes;

        RunRing(String id) {
            this.id = id;
        }

        public int source(String name) {
            return sourceIndex.computeIfAbsent(name, n -> {
                sources.add(n);
                return sources.size() - 1;
            });
        }

        public int series(String name) {
            return seriesIndex.computeIfAbsent(name, n -> {
                series.add(n);
                return series.size() - 1;
            });
        }
    }

    private final Map<String, RunRing> runs = new LinkedHashMap<>();
    private final int maxRecords;
    private final long maxBytes;
    private long records;
    private long bytes;
    private long evictedRecords;
    private long evictedRuns;
    private long tick;
    private Consumer<String> onRunEvicted = id -> { };

    public LiveRing(int maxRecords, long maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    public void onRunEvicted(Consumer<String> listener) {
        this.onRunEvicted = listener;
    }

    public RunRing run(String id) {
        return runs.computeIfAbsent(id, RunRing::new);
    }

    public RunRing find(String id) {
        return runs.get(id);
    }

    public Map<String, RunRing> runs() {
        return runs;
    }

    public void add(RunRing run, Rec rec) {
        run.records.addLast(rec);
        run.lastUpdate = ++tick;
        long b = rec.bytes();
        run.bytes += b;
        bytes += b;
        records++;
        while (records > maxRecords || bytes > maxBytes) {
            evictOne();
        }
    }

    private void evictOne() {
        RunRing oldest = runs.values().stream().min(Comparator.comparingLong(r -> r.lastUpdate)).orElseThrow();
        Rec r = oldest.records.pollFirst();
        if (r != null) {
            oldest.bytes -= r.bytes();
            bytes -= r.bytes();
            records--;
            evictedRecords++;
        }
        if (oldest.records.isEmpty()) {
            runs.remove(oldest.id);
            evictedRuns++;
            onRunEvicted.accept(oldest.id);
        }
    }

    public long records() {
        return records;
    }

    public long bytes() {
        return bytes;
    }

    public long evictedRecords() {
        return evictedRecords;
    }

    public long evictedRuns() {
        return evictedRuns;
    }
}
