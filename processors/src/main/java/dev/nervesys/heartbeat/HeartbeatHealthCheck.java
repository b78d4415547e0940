package dev.nervesys.heartbeat;

import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness check {@code nervesys/heartbeat-postgres} (or {@code heartbeat-sqlite}) in
 * /observe/health: DOWN while the last write to the heartbeat database failed. It reads the
 * store's state instead of connecting, so a dead database never slows the health endpoint down.
 * Not a liveness check: restarting the agent would not bring the database back.
 */
final class HeartbeatHealthCheck extends AbstractHealthCheck {

    private final HeartbeatStore store;

    HeartbeatHealthCheck(HeartbeatStore store) {
        super("nervesys", "heartbeat-" + store.dialect().folder());
        this.store = store;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("url", store.url());
        builder.detail("consecutiveFailures", store.consecutiveFailures());
        if (store.consecutiveFailures() == 0) {
            builder.up();
        } else {
            builder.message("heartbeat database unreachable: " + store.lastError());
            builder.down();
        }
    }
}
