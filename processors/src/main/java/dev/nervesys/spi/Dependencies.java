package dev.nervesys.spi;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Every {@link Dependency} bean of the agent, for the {@code dependencies} section of the nervesys
 * console and the metrics {@code nervesys_dependency_degraded}, {@code nervesys_dependency_enabled}
 * and {@code nervesys_dependency_degraded_seconds}, labelled {@code dependency}.
 */
public final class Dependencies implements StatusReporter, MeterBinder {

    private final List<Dependency> dependencies;
    private final Clock clock;

    public Dependencies(List<Dependency> dependencies, Clock clock) {
        this.dependencies = List.copyOf(dependencies);
        this.clock = clock;
    }

    @Override
    public String statusName() {
        return "dependencies";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Dependency d : dependencies) {
            try {
                DependencyState s = d.dependencyState();
                m.put(s.dependency(), s.toMap(clock.instant()));
            } catch (RuntimeException e) {
                m.put(d.dependencyName(), Map.of("state", "unknown", "error", String.valueOf(e.getMessage())));
            }
        }
        return m;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Dependency d : dependencies) {
            String name = d.dependencyName();
            gauge(registry, "nervesys.dependency.degraded", d, name, s -> s.degraded() ? 1 : 0,
                    "1 while the dependency is degraded (the agent keeps accepting and buffering)");
            gauge(registry, "nervesys.dependency.enabled", d, name, s -> s.state() == DependencyState.State.OFF ? 0 : 1,
                    "1 when the dependency is configured on this agent");
            gauge(registry, "nervesys.dependency.degraded.seconds", d, name, s -> s.degradedSeconds(clock.instant()),
                    "Seconds since the current outage of the dependency began (0 when it works)");
        }
    }

    private static void gauge(MeterRegistry registry, String metric, Dependency d, String name,
                              ToDoubleFunction<DependencyState> value, String description) {
        Gauge.builder(metric, d, x -> {
            try {
                return value.applyAsDouble(x.dependencyState());
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        }).description(description).tag("dependency", name).register(registry);
    }
}
