package dev.nervesys.reports;

import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;

/**
 * Health check {@code nervesys-drive} in /observe/health (bean {@code reportsHealth}): Google Drive
 * as the {@code drive} dependency ({@link ReportStatus#dependencyState}). Off without Drive
 * credentials; degraded, never DOWN, while the last report upload failed (the files wait in the
 * local report folder with their pending markers).
 */
public final class DriveHealthCheck extends DependencyCheck {

    private final ReportStatus status;

    public DriveHealthCheck(ReportStatus status, Clock clock) {
        super("nervesys-drive", clock);
        this.status = status;
    }

    @Override
    protected DependencyState state() {
        return status.dependencyState();
    }
}
