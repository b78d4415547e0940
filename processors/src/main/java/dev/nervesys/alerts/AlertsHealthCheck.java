package dev.nervesys.alerts;

import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;

/**
 * Health check {@code nervesys-alerts} in /observe/health (bean {@code alertsHealth}): the alert
 * channels (webhooks, SMTP) as the {@code alerts} dependency ({@link AlertService#dependencyState}).
 * Off without a usable channel; degraded, never DOWN, while a channel's last delivery failed (the
 * delivery waits for its retry).
 */
public final class AlertsHealthCheck extends DependencyCheck {

    private final AlertService alerts;

    public AlertsHealthCheck(AlertService alerts, Clock clock) {
        super("nervesys-alerts", clock);
        this.alerts = alerts;
    }

    @Override
    protected DependencyState state() {
        return alerts.dependencyState();
    }
}
