package dev.nervesys.bootstrap.console;

import dev.nervesys.bootstrap.reload.SyncState;
import dev.nervesys.spi.ReadinessCheck;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness: the agent is ready once a config revision runs. A rejected newer revision or an
 * unreachable repo leave it ready (the last good routes run) but show in the details.
 */
public final class ConfigHealthCheck extends ReadinessCheck {

    private final SyncState state;

    public ConfigHealthCheck(SyncState state) {
        super("nervesys-config");
        this.state = state;
    }


    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        state.toMap().forEach((k, v) -> {
            if (v != null) {
                builder.detail(k, v);
            }
        });
        if (state.applied() == null) {
            builder.message("no config revision applied yet").down();
        } else {
            builder.up();
        }
    }
}
