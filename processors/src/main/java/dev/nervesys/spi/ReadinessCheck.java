package dev.nervesys.spi;

import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check of the agent (group {@code nervesys} in /observe/health/ready). Never a
 * liveness check: what these watch (a database, a bucket, the config repo) does not come back by
 * restarting the agent. The checks of external dependencies ({@link DependencyCheck}) even stay UP
 * and report an outage as {@code degraded}; DOWN is kept for "this agent cannot accept or keep
 * data" (docs/operations.md, "Health: liveness, readiness, degraded"). Bound as a bean, Camel picks
 * it up from the registry.
 */
public abstract class ReadinessCheck extends AbstractHealthCheck {

    protected ReadinessCheck(String id) {
        super("nervesys", id);
    }

    @Override
    public final boolean isLiveness() {
        return false;
    }
}
