package dev.nervesys.spi;

import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.RoutePolicy;

/**
 * A bean whose work runs while a route runs: named in the route's YAML as
 * {@code routePolicy: "#bean"}, it is told when that route starts and when it stops, is suspended
 * or is removed (a module switched off, a reload). This is how a bean's thread, port or hand-off
 * follows the route that a reader sees, instead of being started by a run-once step and left
 * running when the route goes.
 *
 * <p>Not a Camel {@code Service} on purpose: the bean lives for the whole process (beans are made
 * once, docs/configuration.md) and outlives every reload of its route, and a throwaway validation
 * context that loads the same routes never starts them, so it never reaches this bean. A failure in
 * {@link #routeStarted} fails the route's start: the reload reports it and is tried again.
 */
public abstract class RouteBinding implements RoutePolicy {

    /** The route started (or resumed): begin the work that belongs to it. */
    protected abstract void routeStarted(Route route) throws Exception;

    /** The route stopped, was suspended or removed; may be told twice for one stop. */
    protected abstract void routeStopped(Route route);

    /** The route was suspended: by default as {@link #routeStopped}; a binding may hold its work instead. */
    protected void routeSuspended(Route route) {
        routeStopped(route);
    }

    /** The suspended route resumed: by default as {@link #routeStarted}. */
    protected void routeResumed(Route route) throws Exception {
        routeStarted(route);
    }

    @Override
    public final void onStart(Route route) {
        try {
            routeStarted(route);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeCamelException(e);
        }
    }

    @Override
    public final void onResume(Route route) {
        try {
            routeResumed(route);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeCamelException(e);
        }
    }

    @Override
    public final void onStop(Route route) {
        routeStopped(route);
    }

    @Override
    public final void onSuspend(Route route) {
        routeSuspended(route);
    }

    @Override
    public final void onRemove(Route route) {
        routeStopped(route);
    }

    @Override
    public final void onInit(Route route) {
        // nothing until the route starts: a validation context initialises routes it never starts
    }

    @Override
    public final void onExchangeBegin(Route route, Exchange exchange) {
        // per exchange: nothing
    }

    @Override
    public final void onExchangeDone(Route route, Exchange exchange) {
        // per exchange: nothing
    }
}
