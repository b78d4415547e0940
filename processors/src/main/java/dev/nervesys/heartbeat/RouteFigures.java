package dev.nervesys.heartbeat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedRouteMBean;

/**
 * The per route figures a beat carries in {@code agent_status.route_stats} (docs/heartbeat.md,
 * "Route figures"): Camel's own counters of each route, read from its management layer (the same
 * numbers as {@code /observe/metrics} and Jolokia), compact: {@code {"<route id>": {"n": exchanges,
 * "f": failed, "mean": ms, "max": ms, "up": seconds}}}. The counters run from the route's (re)start,
 * so a reader takes differences between two beats and treats a smaller count as a restart. Null when
 * the context has no management (JMX off) or no routes.
 */
final class RouteFigures {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many routes per beat, so that a beat stays small. */
    static final int MAX_ROUTES = 200;

    private RouteFigures() {
    }

    static String of(CamelContext context) throws JsonProcessingException {
        if (context == null) {
            return null;
        }
        ManagedCamelContext managed = context.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        if (managed == null) {
            return null;
        }
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Route r : context.getRoutes()) {
            if (out.size() >= MAX_ROUTES) {
                break;
            }
            ManagedRouteMBean m = managed.getManagedRoute(r.getRouteId());
            if (m == null) {
                continue;
            }
            Map<String, Long> f = new LinkedHashMap<>();
            f.put("n", m.getExchangesTotal());
            f.put("f", m.getExchangesFailed());
            f.put("mean", Math.max(0, m.getMeanProcessingTime()));
            f.put("max", Math.max(0, m.getMaxProcessingTime()));
            f.put("up", m.getUptimeMillis() / 1000);
            out.put(r.getRouteId(), f);
        }
        return out.isEmpty() ? null : JSON.writeValueAsString(out);
    }
}
