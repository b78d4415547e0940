package dev.nervesys.classify;

import dev.nervesys.spi.CriticalRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * A classifier handing its critical records to a {@code seda:} endpoint of the given size with
 * nothing consuming it, as routes/classify.camel.yaml declares it: tests take what was queued.
 */
public final class CriticalQueue {

    private static final DefaultCamelContext CONTEXT = new DefaultCamelContext();
    private static final AtomicInteger NEXT = new AtomicInteger();

    static {
        CONTEXT.start();
    }

    public final Classifier classifier;
    private final SedaEndpoint endpoint;
    private final CriticalRecords hand;

    public CriticalQueue(ClassifierConfig cfg, int size) throws Exception {
        this(cfg, size, Clock.systemUTC());
    }

    public CriticalQueue(ClassifierConfig cfg, int size, Clock clock) throws Exception {
        this(cfg, size, clock, CriticalRecords.HELD_GROUPS, null);
    }

    /**
     * @param heldGroups groups held back one by one while the queue is full (then one overflow entry)
     * @param grouping   the alert path's groups (bean {@code alerts} in the agent), or null = by coalescing key
     */
    public CriticalQueue(ClassifierConfig cfg, int size, Clock clock, int heldGroups, CriticalRecord.Grouping grouping)
            throws Exception {
        endpoint = CONTEXT.getEndpoint("seda:critical-records-" + NEXT.incrementAndGet()
                + "?size=" + size + "&blockWhenFull=false&discardWhenFull=false", SedaEndpoint.class);
        hand = new CriticalRecords(heldGroups);
        hand.groupBy(grouping);
        hand.attach(null, endpoint);
        classifier = new Classifier(cfg, hand, clock);
    }

    /**
     * What waits on the queue, taken off it as route classify-critical takes it: for the wake-up on
     * the endpoint, every queued record (with the records folded into each), then the entries held
     * back while it was full.
     */
    public List<CriticalRecord> drain() {
        List<Exchange> taken = new ArrayList<>();
        endpoint.getQueue().drainTo(taken);
        return taken.stream().flatMap(ex -> hand.taken(ex).stream()).toList();
    }
}
