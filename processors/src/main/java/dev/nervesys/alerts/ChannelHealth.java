package dev.nervesys.alerts;

import dev.nervesys.spi.DependencyState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per channel of config/alerts.yaml: deliveries sent, failed attempts, failures in a row, the last
 * error and since when; the {@code alerts} dependency (degraded while a channel's last delivery
 * failed) and the per-channel metrics. Guarded by AlertService.
 */
final class ChannelHealth {

    private static final class Stats {
        volatile long sent;
        volatile long failed;
        volatile int inARow;
        volatile String lastError;
        volatile Instant failingSince;
    }

    private final AlertsConfig config;
    private final Map<String, Stats> byChannel = new LinkedHashMap<>();

    ChannelHealth(AlertsConfig config) {
        this.config = config;
        for (AlertsConfig.Channel c : config.channels().values()) {
            byChannel.put(c.name(), new Stats());
        }
    }

    void sent(String channel) {
        Stats cs = byChannel.get(channel);
        if (cs != null) {
            cs.sent++;
            cs.inARow = 0;
            cs.lastError = null;
            cs.failingSince = null;
        }
    }

    void failed(String channel, String error, Instant now) {
        Stats cs = byChannel.get(channel);
        if (cs != null) {
            cs.failed++;
            if (cs.inARow++ == 0) {
                cs.failingSince = now;
            }
            cs.lastError = Payloads.abbreviate(error, 300);
        }
    }

    DependencyState state(int backlogDeliveries) {
        List<String> usable = config.channels().values().stream().filter(AlertsConfig.Channel::usable)
                .map(AlertsConfig.Channel::name).toList();
        String target = String.join(",", usable);
        if (usable.isEmpty()) {
            return DependencyState.off("alerts", null);
        }
        Map<String, Number> backlog = Map.of("deliveries", backlogDeliveries);
        List<String> errors = new ArrayList<>();
        Instant since = null;
        for (Map.Entry<String, Stats> e : byChannel.entrySet()) {
            Stats cs = e.getValue();
            if (cs.inARow > 0) {
                errors.add(e.getKey() + ": " + cs.lastError);
                if (cs.failingSince != null && (since == null || cs.failingSince.isBefore(since))) {
                    since = cs.failingSince;
                }
            }
        }
        if (errors.isEmpty()) {
            return DependencyState.ok("alerts", target, backlog);
        }
        return DependencyState.degraded("alerts", target, String.join("; ", errors), since, backlog);
    }

    void bindTo(MeterRegistry registry) {
        byChannel.forEach((name, cs) -> {
            FunctionCounter.builder("nervesys.alerts.sent", cs, c -> c.sent)
                    .description("Alert deliveries sent, by channel").tag("channel", name).register(registry);
            FunctionCounter.builder("nervesys.alerts.send.failures", cs, c -> c.failed)
                    .description("Failed delivery attempts, by channel (retried with backoff)").tag("channel", name)
                    .register(registry);
        });
    }

    /** The console's {@code byChannel}. */
    Map<String, Object> status() {
        Map<String, Object> perChannel = new LinkedHashMap<>();
        byChannel.forEach((name, cs) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("sent", cs.sent);
            c.put("failedAttempts", cs.failed);
            c.put("failuresInARow", cs.inARow);
            c.put("lastError", cs.lastError);
            perChannel.put(name, c);
        });
        return perChannel;
    }
}
