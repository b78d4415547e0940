package dev.nervesys.heartbeat;

import dev.nervesys.spi.ReadinessCheck;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code nervesys/heartbeat-postgres} (or {@code heartbeat-sqlite}) in
 * /observe/health: DOWN while the last write to the heartbeat database failed. It reads the
 * store's state instead of connecting, so a dead database never slows the health endpoint down.
 * Not a liveness check: restarting the agent would not bring the database back.
 */
final class HeartbeatHealthCheck extends ReadinessCheck {

    private final HeartbeatStore store;

    HeartbeatHealthCheck(HeartbeatStore store) {
        super("heartbeat-" + store.dialect().folder());
        this.store = store;
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
