package dev.nervesys.ingest;

import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Ingest counters by endpoint (accepted records, rejected lines, records refused with a full
 * buffer, requests by HTTP status) and the records/s rate over the last ten seconds, for the
 * console and for Prometheus ({@code nervesys_ingest_*}, docs/ingest.md).
 */
final class IngestStats implements StatusReporter, MeterBinder {

    /** The endpoints, as they appear in the console and in the {@code endpoint} label. */
    static final String[] ENDPOINTS = {"ingest", "write", "api_v2_write", "internal"};
    /** What happened to a record: the {@code result} label. */
    static final String ACCEPTED = "accepted";
    static final String REJECTED_LINE = "rejected_line";
    static final String BUFFER_FULL = "buffer_full";
    private static final String[] RESULTS = {ACCEPTED, REJECTED_LINE, BUFFER_FULL};

    private static final int WINDOW = 10;
    private final Map<String, AtomicLong> records = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLongArray perSecond = new AtomicLongArray(WINDOW);
    private final AtomicLongArray slotSecond = new AtomicLongArray(WINDOW);
    private MeterRegistry registry;

    private final java.time.Clock clock;

    IngestStats(java.time.Clock clock) {
        this.clock = clock;
        for (String e : ENDPOINTS) {
            for (String r : RESULTS) {
                records.put(e + "/" + r, new AtomicLong());
            }
        }
    }

    void records(String endpoint, String result, long count) {
        if (count > 0) {
            records.get(endpoint + "/" + result).addAndGet(count);
        }
        if (result.equals(ACCEPTED)) {
            accepted(count);
        }
    }

    /** One request answered with this HTTP status. */
    void request(String endpoint, int status) {
        String key = endpoint + "/" + status;
        AtomicLong c = requests.get(key);
        if (c == null) {
            c = requests.computeIfAbsent(key, k -> new AtomicLong());
            bindRequestCounter(key, c);
        }
        c.incrementAndGet();
    }

    private void accepted(long n) {
        long sec = clock.millis() / 1000;
        int slot = (int) (sec % WINDOW);
        long seen = slotSecond.get(slot);
        if (seen != sec && slotSecond.compareAndSet(slot, seen, sec)) {
            perSecond.set(slot, 0);
        }
        perSecond.addAndGet(slot, n);
    }

    double recentRate() {
        long now = clock.millis() / 1000;
        long sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            long s = slotSecond.get(i);
            if (s < now && s >= now - WINDOW) {
                sum += perSecond.get(i);
            }
        }
        return sum / (double) WINDOW;
    }

    long total(String result) {
        long sum = 0;
        for (String e : ENDPOINTS) {
            sum += records.get(e + "/" + result).get();
        }
        return sum;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        records.forEach((key, value) -> {
            String[] k = key.split("/");
            FunctionCounter.builder("nervesys.ingest.records", value, AtomicLong::get)
                    .description("Records received over HTTP, by endpoint and result")
                    .tag("endpoint", k[0]).tag("result", k[1]).register(registry);
        });
        requests.forEach(this::bindRequestCounter);
        Gauge.builder("nervesys.ingest.records.per.second", this, IngestStats::recentRate)
                .description("Accepted records per second over the last ten seconds").register(registry);
    }

    private synchronized void bindRequestCounter(String key, AtomicLong value) {
        if (registry != null) {
            String[] k = key.split("/");
            FunctionCounter.builder("nervesys.ingest.requests", value, AtomicLong::get)
                    .description("HTTP ingest requests, by endpoint and answered status")
                    .tag("endpoint", k[0]).tag("status", k[1]).register(registry);
        }
    }

    @Override
    public String statusName() {
        return "ingest";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recordsAccepted", total(ACCEPTED));
        m.put("linesRejected", total(REJECTED_LINE));
        m.put("recordsRefusedBufferFull", total(BUFFER_FULL));
        m.put("recordsPerSecond", Math.round(recentRate()));
        Map<String, Object> byEndpoint = new LinkedHashMap<>();
        for (String e : ENDPOINTS) {
            Map<String, Object> one = new LinkedHashMap<>();
            for (String r : RESULTS) {
                one.put(r, records.get(e + "/" + r).get());
            }
            Map<String, Long> statuses = new TreeMap<>();
            requests.forEach((key, v) -> {
                if (key.startsWith(e + "/")) {
                    statuses.put(key.substring(e.length() + 1), v.get());
                }
            });
            one.put("requestsByStatus", statuses);
            byEndpoint.put(e, one);
        }
        m.put("endpoints", byEndpoint);
        return m;
    }
}
