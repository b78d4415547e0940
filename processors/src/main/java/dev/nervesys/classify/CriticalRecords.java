package dev.nervesys.classify;

import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.RouteBinding;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.Route;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.support.service.ServiceHelper;

/**
 * Bean {@code criticalRecords}: the classifier's hand-off to the alert path, the endpoint
 * {@code seda:critical-records} of route {@code classify-critical} (routes/classify.camel.yaml),
 * which names it as its {@code routePolicy}. While that route runs, {@link #offer} puts a critical
 * record on the endpoint's bounded queue ({@code size}, {@code blockWhenFull: false}); it never
 * waits: a full queue, or no route (module {@code classify} off, a reload under way), refuses the
 * record and the classifier counts its alert as dropped ({@code criticalDropped}). The record
 * itself is committed to the buffer either way: ingest's answer never depends on alerts.
 *
 * <p>Under pressure (the queue at least half full) a storm must not take the room a new problem
 * needs (docs/classify.md, "The hand-off under pressure"): a record whose
 * {@link CriticalRecord#coalescingKey() key} (rule, label, level, message template) already has an
 * entry queued under pressure is folded into that entry, which counts it; the route's first step
 * ({@link #taken}) hands the entry on with that count ({@link CriticalRecord#coalesced()}), which
 * the alert group reports as held back. So under pressure the queue holds one entry per key, and
 * the free half is left to keys not yet queued: a new group gets in unless half the queue's size
 * of distinct keys are waiting at once.
 */
public final class CriticalRecords extends RouteBinding {

    private record Target(Route route, Endpoint endpoint, Producer producer) {
    }

    /** Header of a queued entry that other records may be folded into: its coalescing key. */
    static final String KEY = "NervesysCoalescingKey";

    /** Records folded into the entry of one key still on the queue (guarded by the map's per-key locking). */
    private static final class Folded {
        long n;
    }

    private volatile Target target;
    private final ConcurrentHashMap<String, Folded> folded = new ConcurrentHashMap<>();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder lostFolded = new LongAdder();

    /** Sends to this endpoint from now on (the route's start; tests attach to an endpoint of their own). */
    public synchronized void attach(Route route, Endpoint endpoint) throws Exception {
        detach(null);
        Producer producer = endpoint.createProducer();
        ServiceHelper.startService(producer);
        target = new Target(route, endpoint, producer);
    }

    private synchronized void detach(Route route) {
        Target t = target;
        if (t != null && (route == null || t.route() == route)) {
            target = null;
            ServiceHelper.stopService(t.producer());
        }
    }

    @Override
    protected void routeStarted(Route route) throws Exception {
        attach(route, route.getEndpoint());
    }

    @Override
    protected void routeStopped(Route route) {
        detach(route);
    }

    /** Queues the record for the alert path (or folds it, under pressure); false when it cannot be queued now (counted by the caller). */
    boolean offer(CriticalRecord record) {
        Target t = target;
        if (t == null) {
            return false;
        }
        if (!underPressure(t)) {
            return send(t, record, null);
        }
        String key = record.coalescingKey();
        while (true) {
            if (folded.computeIfPresent(key, (k, f) -> {
                f.n++;
                return f;
            }) != null) {
                coalesced.increment();
                return true;
            }
            if (folded.putIfAbsent(key, new Folded()) == null) {
                break;
            }
        }
        if (send(t, record, key)) {
            return true;
        }
        Folded lost = folded.remove(key); // none of it reached the queue: what was folded meanwhile is lost too
        if (lost != null && lost.n > 0) {
            lostFolded.add(lost.n);
        }
        return false;
    }

    private static boolean underPressure(Target t) {
        return t.endpoint() instanceof SedaEndpoint seda && seda.getCurrentQueueSize() * 2L >= seda.getSize();
    }

    private static boolean send(Target t, CriticalRecord record, String key) {
        Exchange ex = t.endpoint().createExchange();
        ex.getMessage().setBody(record);
        if (key != null) {
            ex.getMessage().setHeader(KEY, key);
        }
        try {
            t.producer().process(ex);
        } catch (Exception e) {
            return false; // the queue is full ("Queue full"): seda refuses at once with blockWhenFull false
        }
        return ex.getException() == null;
    }

    /**
     * First step of route classify-critical: the record of the entry just taken off the queue, with
     * the records folded into it meanwhile ({@link CriticalRecord#coalesced()}); from now on, records
     * of its key queue a new entry.
     */
    public CriticalRecord taken(Exchange ex) {
        CriticalRecord r = ex.getMessage().getBody(CriticalRecord.class);
        String key = ex.getMessage().getHeader(KEY, String.class);
        Folded f = key == null ? null : folded.remove(key);
        return f == null || f.n == 0 ? r : r.withCoalesced(f.n);
    }

    /** Critical records folded into a queued entry under pressure (console {@code criticalCoalesced}). */
    long coalesced() {
        return coalesced.sum();
    }

    /** Folded records whose entry could not be queued after all (part of {@code criticalDropped}). */
    long lostFolded() {
        return lostFolded.sum();
    }

    /** Critical records waiting on the endpoint's queue (console {@code criticalQueued}). */
    int queued() {
        Target t = target;
        return t != null && t.endpoint() instanceof SedaEndpoint seda ? seda.getCurrentQueueSize() : 0;
    }
}
