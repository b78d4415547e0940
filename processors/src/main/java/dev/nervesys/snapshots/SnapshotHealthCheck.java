package dev.nervesys.snapshots;

import dev.nervesys.spi.ReadinessCheck;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code nervesys-snapshots} in /observe/health: DOWN while the last snapshot
 * upload or the last backup attempt failed. It reads the bean's state only (never the network), so
 * it costs nothing. Not a liveness check: a restart would not bring the store back.
 */
public final class SnapshotHealthCheck extends ReadinessCheck {

    private final SnapshotService snapshots;

    public SnapshotHealthCheck(SnapshotService snapshots) {
        super("nervesys-snapshots");
        this.snapshots = snapshots;
    }


    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("target", snapshots.target());
        builder.detail("snapshotFailures", snapshots.snapshotFailures());
        builder.detail("backupFailures", snapshots.backupFailures());
        if (snapshots.snapshotFailures() == 0 && snapshots.backupFailures() == 0) {
            builder.up();
        } else {
            builder.message(String.valueOf(snapshots.lastError()));
            builder.down();
        }
    }
}
