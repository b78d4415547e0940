package dev.nervesys.classify;

import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.RouteBinding;
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
 */
public final class CriticalRecords extends RouteBinding {

    private record Target(Route route, Endpoint endpoint, Producer producer) {
    }

    private volatile Target target;

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

    /** Queues the record for the alert path; false when it cannot be queued now (counted by the caller). */
    boolean offer(CriticalRecord record) {
        Target t = target;
        if (t == null) {
            return false;
        }
        Exchange ex = t.endpoint().createExchange();
        ex.getMessage().setBody(record);
        try {
            t.producer().process(ex);
        } catch (Exception e) {
            return false; // the queue is full ("Queue full"): seda refuses at once with blockWhenFull false
        }
        return ex.getException() == null;
    }

    /** Critical records waiting on the endpoint's queue (console {@code criticalQueued}). */
    int queued() {
        Target t = target;
        return t != null && t.endpoint() instanceof SedaEndpoint seda ? seda.getCurrentQueueSize() : 0;
    }
}
