package dev.nervesys.clickhouse;

import dev.nervesys.spi.ReadinessCheck;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code nervesys-clickhouse} in /observe/health (bound as a bean: Camel picks up
 * health checks from the registry). Up when shipping is off; down while the server does not answer
 * /ping or the last shipping attempt failed. The agent keeps accepting data either way: the buffer
 * holds the rows.
 */
public final class ClickHouseHealthCheck extends ReadinessCheck {

    private final ClickHouseShipper shipper;

    public ClickHouseHealthCheck(ClickHouseShipper shipper) {
        super("nervesys-clickhouse");
        this.shipper = shipper;
    }


    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (!shipper.enabled()) {
            builder.detail("clickhouse", "off").up();
            return;
        }
        builder.detail("pendingRows", shipper.pendingRows());
        builder.detail("deadLetters", shipper.deadLetterCount());
        builder.detail("consecutiveFailures", shipper.consecutiveFailures());
        if (shipper.lastError() != null) {
            builder.detail("lastError", shipper.lastError());
        }
        if (!shipper.client().ping(Duration.ofSeconds(2))) {
            builder.message("ClickHouse does not answer /ping").down();
        } else if (shipper.consecutiveFailures() > 0) {
            builder.message("the last insert failed: " + shipper.lastError()).down();
        } else {
            builder.up();
        }
    }
}
