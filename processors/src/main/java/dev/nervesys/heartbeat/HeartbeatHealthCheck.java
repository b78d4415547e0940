package dev.nervesys.heartbeat;

import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Health check {@code nervesys/heartbeat-postgres} (or {@code heartbeat-sqlite}) in
 * /observe/health: the {@code heartbeat} dependency ({@link HeartbeatStore#dependencyState}).
 * Degraded, never DOWN, while the last write to the heartbeat database failed: the beats wait in
 * the local spool. It reads the store's state instead of connecting, so a dead database never
 * slows the health endpoint down.
 */
final class HeartbeatHealthCheck extends DependencyCheck {

    private final HeartbeatStore store;

    HeartbeatHealthCheck(HeartbeatStore store, Clock clock) {
        super("heartbeat-" + store.dialect().folder(), clock);
        this.store = store;
    }

    @Override
    protected void moreDetails(HealthCheckResultBuilder builder) {
        builder.detail("url", store.target());
        builder.detail("consecutiveFailures", store.consecutiveFailures());
    }

    @Override
    protected DependencyState state() {
        return store.dependencyState();
    }
}
