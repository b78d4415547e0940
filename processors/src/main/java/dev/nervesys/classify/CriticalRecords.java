package dev.nervesys.classify;

import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.RouteBinding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.Route;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.support.service.ServiceHelper;

/**
 * Bean {@code criticalRecords}: the classifier's hand-off to the alert path, route
 * {@code classify-critical} (routes/classify.camel.yaml), which names it as its {@code routePolicy}.
 * While that route runs, {@link #offer} puts a critical record on a bounded queue of its own (the
 * {@code size} of the route's endpoint {@code seda:critical-records}) and never waits. The endpoint
 * carries only a wake-up: when the queue turns non-empty, one empty exchange is sent to it (at most
 * one waits there), and the route's first step ({@link #taken}) takes every record queued by then, so
 * a storm costs the route one exchange per batch rather than one per line. No route (module
 * {@code classify} off, a reload under way) refuses the record and the classifier counts its alert
 * as dropped ({@code criticalDropped}). The record itself is committed to the buffer either way:
 * ingest's answer never depends on alerts.
 *
 * <p>Under pressure (the queue at least half full) a storm must not take the room a new problem
 * needs (docs/classify.md, "The hand-off under pressure"): a record whose
 * {@link CriticalRecord#coalescingKey() key} (rule, label, level, message template) already has an
 * entry queued under pressure is folded into that entry, which counts it; {@link #taken} hands the
 * entry on with that count ({@link CriticalRecord#coalesced()}), which the alert group reports as
 * held back.
 *
 * <p>Full (the free half taken by distinct keys): nothing is dropped. The record is held back
 * beside the queue, folded by its alert group ({@link CriticalRecord.Grouping}, bean {@code alerts};
 * its coalescing key without one): one held entry per group, at most {@code heldGroups} of them, and
 * beyond that one overflow entry that counts lines and groups ("N critical lines of M groups held
 * back"). The route's next take hands every held entry on after the queued ones, so a new group
 * reaches the alerts with the next batch the route takes, and notifies within group_wait of it.
 */
public final class CriticalRecords extends RouteBinding {

    private record Target(Route route, Endpoint endpoint, Producer producer) {
    }

    /** A queued record; key = its coalescing key when other records may be folded into it (queued under pressure). */
    private record Entry(CriticalRecord record, String key) {
    }

    /** Default bound of the groups held back one by one while the queue is full. */
    public static final int HELD_GROUPS = 1000;

    /** Default size of the queue when the route's endpoint does not say (nervesys.classify.queueSize). */
    static final int DEFAULT_SIZE = 10_000;

    /** Distinct groups the overflow entry counts exactly (beyond: "more than"). */
    static final int OVERFLOW_GROUPS_COUNTED = 10_000;

    /** Records folded into the entry of one key still on the queue (guarded by the map's per-key locking). */
    private static final class Folded {
        long n;
    }

    /** The lines of one group held back while the queue was full: its first record and how many in all. */
    private static final class Held {
        final CriticalRecord first;
        long lines;

        Held(CriticalRecord first, long lines) {
            this.first = first;
            this.lines = lines;
        }
    }

    private volatile Target target;
    private volatile CriticalRecord.Grouping grouping;
    private final int heldGroups;
    private volatile int capacity = DEFAULT_SIZE;
    private volatile LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>(DEFAULT_SIZE);
    /** A wake-up exchange is on the endpoint (or being sent): no other is sent until the route takes it. */
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ConcurrentHashMap<String, Folded> folded = new ConcurrentHashMap<>();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder heldLines = new LongAdder();
    private final LongAdder overflowed = new LongAdder();
    /** Guards held and the overflow; taken only while the queue is full, and by a take when something is held. */
    private final Object heldLock = new Object();
    private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
    private CriticalRecord overflowFirst;
    private long overflowLines;
    private final HashSet<Long> overflowGroups = new HashSet<>();
    private boolean overflowGroupsCapped;
    private volatile boolean anyHeld;

    public CriticalRecords() {
        this(HELD_GROUPS);
    }

    /** @param heldGroups groups held back one by one while the queue is full, beyond which they share one overflow entry */
    public CriticalRecords(int heldGroups) {
        this.heldGroups = Math.max(1, heldGroups);
    }

    /**
     * Hands records to this endpoint from now on (the route's start; tests attach to an endpoint of
     * their own): its {@code size} bounds the queue; records still queued from before are kept.
     */
    public synchronized void attach(Route route, Endpoint endpoint) throws Exception {
        detach(null);
        int size = endpoint instanceof SedaEndpoint seda && seda.getSize() > 0 && seda.getSize() < Integer.MAX_VALUE
                ? seda.getSize() : DEFAULT_SIZE;
        if (size != capacity) {
            LinkedBlockingQueue<Entry> before = queue;
            LinkedBlockingQueue<Entry> resized = new LinkedBlockingQueue<>(size);
            List<Entry> moved = new ArrayList<>();
            before.drainTo(moved);
            capacity = size;
            queue = resized;
            for (Entry e : moved) {
                if (!resized.offer(e)) {
                    hold(null, e.record(), 1 + foldedInto(e)); // no target yet: the wake-up below
                }
            }
        }
        Producer producer = endpoint.createProducer();
        ServiceHelper.startService(producer);
        Target t = new Target(route, endpoint, producer);
        target = t;
        wakePending.set(false); // a wake-up left on the endpoint of a stopped route may be gone with it
        if (!queue.isEmpty() || anyHeld) {
            wake(t);
        }
    }

    /** How records are grouped when the queue is full (the alert path's groups); null = by coalescing key. */
    public void groupBy(CriticalRecord.Grouping grouping) {
        this.grouping = grouping;
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
        CriticalRecord.Grouping g = route.getCamelContext().getRegistry().findSingleByType(CriticalRecord.Grouping.class);
        if (g != null) {
            grouping = g;
        }
        attach(route, route.getEndpoint());
    }

    @Override
    protected void routeStopped(Route route) {
        detach(route);
    }

    /**
     * Queues the record for the alert path (or folds it, under pressure, or holds it back, when
     * full); false only when no route takes records now (counted by the caller).
     */
    boolean offer(CriticalRecord record) {
        Target t = target;
        if (t == null) {
            return false;
        }
        LinkedBlockingQueue<Entry> q = queue;
        if (q.size() * 2L < capacity) {
            if (!q.offer(new Entry(record, null))) {
                hold(t, record, 1); // filled up meanwhile by other threads
            } else {
                wake(t);
            }
            return true;
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
        if (q.offer(new Entry(record, key))) {
            wake(t);
            return true;
        }
        // full: this record, and those folded into its key meanwhile, are held back by group
        Folded meanwhile = folded.remove(key);
        long n = meanwhile == null ? 0 : meanwhile.n;
        if (n > 0) {
            coalesced.add(-n); // counted again as held back
        }
        hold(t, record, 1 + n);
        return true;
    }

    /** Records folded into this entry while it was queued (and from now on, records of its key queue a new entry). */
    private long foldedInto(Entry e) {
        if (e.key() == null) {
            return 0;
        }
        Folded f = folded.remove(e.key());
        return f == null ? 0 : f.n;
    }

    /** Sends the route a wake-up unless one is on its way; the route's take resets the flag before it drains. */
    private void wake(Target t) {
        if (t == null || wakePending.get() || !wakePending.compareAndSet(false, true)) {
            return;
        }
        Exchange ex = t.endpoint().createExchange();
        try {
            t.producer().process(ex);
        } catch (Exception e) {
            ex.setException(e);
        }
        if (ex.getException() != null) {
            wakePending.set(false); // the route is stopping: its start wakes it again (attach)
        }
    }

    private void hold(Target t, CriticalRecord record, long lines) {
        CriticalRecord.Grouping g = grouping;
        String group = g == null ? record.coalescingKey() : g.groupOf(record);
        synchronized (heldLock) {
            Held h = held.get(group);
            if (h != null) {
                h.lines += lines;
            } else if (held.size() < heldGroups) {
                held.put(group, new Held(record, lines));
            } else {
                if (overflowFirst == null) {
                    overflowFirst = record;
                }
                overflowLines += lines;
                Long hash = hash64(group);
                if (overflowGroups.size() < OVERFLOW_GROUPS_COUNTED) {
                    overflowGroups.add(hash);
                } else if (!overflowGroups.contains(hash)) {
                    overflowGroupsCapped = true;
                }
                overflowed.add(lines);
            }
            anyHeld = true;
        }
        heldLines.add(lines);
        wake(t); // the route may have taken the whole queue before this was held
    }

    private static long hash64(String s) {
        long h = 0xcbf29ce484222325L; // FNV-1a
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * First step of route classify-critical (body: the wake-up, ignored): every record queued by now,
     * each with the records folded into it meanwhile ({@link CriticalRecord#coalesced()}), followed
     * by the entries held back while the queue was full (one per group, then the overflow entry);
     * from now on, records of their keys queue new entries.
     */
    public List<CriticalRecord> taken(Exchange ex) {
        wakePending.set(false); // records queued from now on send a new wake-up
        List<Entry> entries = new ArrayList<>();
        queue.drainTo(entries);
        List<CriticalRecord> out = new ArrayList<>(entries.size() + (anyHeld ? 8 : 0));
        for (Entry e : entries) {
            long n = foldedInto(e);
            out.add(n == 0 ? e.record() : e.record().withCoalesced(n));
        }
        if (!anyHeld) {
            return out;
        }
        synchronized (heldLock) {
            for (Held h : held.values()) {
                out.add(h.lines == 1 ? h.first : h.first.withCoalesced(h.lines - 1));
            }
            held.clear();
            if (overflowLines > 0) {
                out.add(overflowEntry());
                overflowFirst = null;
                overflowLines = 0;
                overflowGroups.clear();
                overflowGroupsCapped = false;
            }
            anyHeld = false;
        }
        return out;
    }

    /**
     * The overflow entry: one record standing for every line held back beyond {@code heldGroups}
     * groups. Its message holds only counts besides fixed words, so that every overflow is one alert
     * template (one group with group_by template) and repeats are deduplicated into it.
     */
    private CriticalRecord overflowEntry() {
        CriticalRecord first = overflowFirst;
        String groups = overflowGroupsCapped ? OVERFLOW_GROUPS_COUNTED + "+" : String.valueOf(overflowGroups.size());
        String message = "classifier's queue full: " + overflowLines + " critical lines of " + groups + " groups held back";
        String firstMessage = first.message() == null ? "" : first.message();
        String reason = "overflow of the classifier's queue beyond " + heldGroups + " held groups; first held back: "
                + (firstMessage.length() > 200 ? firstMessage.substring(0, 200) + "…" : firstMessage)
                + " (" + first.reason() + ")";
        return new CriticalRecord(first.at(), first.rule(), first.label(), first.level(), message, reason, overflowLines - 1);
    }

    /** Critical records folded into a queued entry under pressure (console {@code criticalCoalesced}). */
    long coalesced() {
        return coalesced.sum();
    }

    /** Critical records held back by group while the queue was full (console {@code criticalHeld}), overflow included. */
    long held() {
        return heldLines.sum();
    }

    /** Of those, records beyond {@code heldGroups} groups, folded into one overflow entry (console {@code criticalOverflow}). */
    long overflowed() {
        return overflowed.sum();
    }

    /** Critical records waiting on the queue (console {@code criticalQueued}). */
    int queued() {
        return queue.size();
    }
}
