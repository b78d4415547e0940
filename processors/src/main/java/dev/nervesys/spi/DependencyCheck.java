package dev.nervesys.spi;

import java.time.Clock;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * The health check of an external dependency (archive target, ClickHouse, heartbeat database,
 * Drive, alert channels). Always UP: an outage of a dependency does not stop the agent from
 * accepting and keeping data (the buffer, the spool and the pending folders hold what waits), so it
 * must neither make the agent unready (a load balancer would send the data elsewhere, or nowhere)
 * nor unlive (a restart would not bring the dependency back). The outage shows as
 * {@code state=degraded} in the details, with its error, since when and the backlog, and in the
 * message; the same state is in the console and in {@code nervesys_dependency_degraded}.
 */
public abstract class DependencyCheck extends ReadinessCheck {

    private final Clock clock;

    protected DependencyCheck(String id, Clock clock) {
        super(id);
        this.clock = clock;
    }

    /** The dependency's state now (called on every health request). */
    protected abstract DependencyState state();

    /** Check-specific details besides the common ones (state, target, error, since, backlog*). */
    protected void moreDetails(HealthCheckResultBuilder builder) {
    }

    @Override
    protected final void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        DependencyState s = state();
        moreDetails(builder);
        s.toMap(clock.instant()).forEach(builder::detail);
        if (s.degraded()) {
            builder.message("degraded: " + oneLine(s.error()) + (s.since() == null ? "" : " (since " + s.since() + ")"));
        }
        builder.up();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
