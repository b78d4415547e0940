package dev.nervesys.ingest;

import dev.nervesys.spi.StatusReporter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Ingest counters and the records/s rate over the last ten seconds, for the console. */
final class IngestStats implements StatusReporter {

    private static final int WINDOW = 10;
    final AtomicLong requests = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong rejectedLines = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    private final AtomicLongArray perSecond = new AtomicLongArray(WINDOW);
    private final AtomicLongArray slotSecond = new AtomicLongArray(WINDOW);

    void accepted(int records) {
        accepted.addAndGet(records);
        long sec = System.currentTimeMillis() / 1000;
        int slot = (int) (sec % WINDOW);
        long seen = slotSecond.get(slot);
        if (seen != sec && slotSecond.compareAndSet(slot, seen, sec)) {
            perSecond.set(slot, 0);
        }
        perSecond.addAndGet(slot, records);
    }

    double recentRate() {
        long now = System.currentTimeMillis() / 1000;
        long sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            long s = slotSecond.get(i);
            if (s < now && s >= now - WINDOW) {
                sum += perSecond.get(i);
            }
        }
        return sum / (double) WINDOW;
    }

    @Override
    public String statusName() {
        return "ingest";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests.get());
        m.put("recordsAccepted", accepted.get());
        m.put("linesRejected", rejectedLines.get());
        m.put("requestsRefused", refused.get());
        m.put("recordsPerSecond", Math.round(recentRate()));
        return m;
    }
}
