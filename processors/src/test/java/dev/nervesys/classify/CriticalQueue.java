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

    public CriticalQueue(ClassifierConfig cfg, int size) throws Exception {
        endpoint = CONTEXT.getEndpoint("seda:critical-records-" + NEXT.incrementAndGet()
                + "?size=" + size + "&blockWhenFull=false&discardWhenFull=false", SedaEndpoint.class);
        CriticalRecords hand = new CriticalRecords();
        hand.attach(null, endpoint);
        classifier = new Classifier(cfg, hand, Clock.systemUTC());
    }

    /** What waits on the queue, taken off it. */
    public List<CriticalRecord> drain() {
        List<Exchange> taken = new ArrayList<>();
        endpoint.getQueue().drainTo(taken);
        return taken.stream().map(e -> e.getMessage().getBody(CriticalRecord.class)).toList();
    }
}
