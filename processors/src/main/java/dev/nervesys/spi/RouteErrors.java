package dev.nervesys.spi;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two error policies of routes/errors.camel.yaml, one per kind of route: {@link #worker} for
 * timer- and queue-driven workers, {@link #http} for HTTP endpoints. Both log one line per streak
 * of failures of a route (WARN at its first failure, INFO when it works again; the stack trace only
 * at DEBUG), so a worker failing every tick does not flood the log; back-off stays in the beans.
 * Used as {@code bean: beanType: dev.nervesys.spi.RouteErrors}: no bean to register, so every
 * context that loads the routes (the agent, validation, tests) has it.
 */
public final class RouteErrors {

    private static final Logger LOG = LoggerFactory.getLogger(RouteErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Failures in a row by route id. */
    private static final Map<String, Integer> STREAKS = new ConcurrentHashMap<>();

    /** onException of {@code worker-errors}: handled, logged once per streak; the next tick tries again. */
    public void worker(Exchange ex) {
        failed(ex);
    }

    /**
     * onException of {@code http-errors}: the client gets 500 (400 for a request the code refused as
     * invalid) and {@code {"error": "<message>"}}, never a stack trace.
     */
    public void http(Exchange ex) {
        Throwable cause = failed(ex);
        boolean invalid = cause instanceof IllegalArgumentException;
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, invalid ? 400 : 500);
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        ex.getMessage().setBody(JSON.createObjectNode().put("error", invalid ? String.valueOf(cause.getMessage())
                : "internal error: " + line(cause)).toString());
    }

    /** onCompletion of both: a route that completes without an exception ends its streak. */
    public void completed(Exchange ex) {
        if (ex.getProperty(Exchange.EXCEPTION_CAUGHT) != null) {
            return;
        }
        Integer streak = STREAKS.remove(routeId(ex));
        if (streak != null) {
            LOG.info("route {} works again after {} failure(s)", routeId(ex), streak);
        }
    }

    private static Throwable failed(Exchange ex) {
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String route = routeId(ex);
        int streak = STREAKS.merge(route, 1, Integer::sum);
        if (streak == 1) {
            LOG.warn("route {} failed: {} (logged once until it works again)", route, line(cause));
        }
        LOG.debug("route {} failed ({} in a row)", route, streak, cause);
        return cause;
    }

    private static String line(Throwable cause) {
        return cause == null ? "unknown error" : ErrorLine.of(cause);
    }

    private static String routeId(Exchange ex) {
        String id = ex.getFromRouteId();
        return id == null ? "unknown" : id;
    }
}
