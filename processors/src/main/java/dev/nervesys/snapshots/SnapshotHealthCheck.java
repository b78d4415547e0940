package dev.nervesys.snapshots;

import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Health check {@code nervesys-snapshots} in /observe/health and the {@code snapshots} dependency:
 * degraded, never DOWN ({@link DependencyCheck}), while the last snapshot upload or the last backup
 * attempt failed; the pending snapshot files wait in the data dir. It reads the bean's state only
 * (never the network), so it costs nothing.
 */
public final class SnapshotHealthCheck extends DependencyCheck implements Dependency {

    private final SnapshotService snapshots;

    public SnapshotHealthCheck(SnapshotService snapshots) {
        this(snapshots, Clock.systemUTC());
    }

    public SnapshotHealthCheck(SnapshotService snapshots, Clock clock) {
        super("nervesys-snapshots", clock);
        this.snapshots = snapshots;
    }

    @Override
    protected void moreDetails(HealthCheckResultBuilder builder) {
        builder.detail("snapshotFailures", snapshots.snapshotFailures());
        builder.detail("backupFailures", snapshots.backupFailures());
    }

    @Override
    public String dependencyName() {
        return "snapshots";
    }

    @Override
    public DependencyState dependencyState() {
        return state();
    }

    @Override
    protected DependencyState state() {
        if (!snapshots.enabled()) {
            return DependencyState.off("snapshots", snapshots.target());
        }
        Map<String, Number> backlog = Map.of("files", snapshots.pendingCount());
        if (snapshots.snapshotFailures() == 0 && snapshots.backupFailures() == 0) {
            return DependencyState.ok("snapshots", snapshots.target(), backlog);
        }
        return DependencyState.degraded("snapshots", snapshots.target(), snapshots.lastError(), snapshots.failingSince(), backlog);
    }
}
