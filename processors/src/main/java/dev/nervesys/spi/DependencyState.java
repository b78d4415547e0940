package dev.nervesys.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the agent knows of one external dependency (the archive target, ClickHouse, the heartbeat
 * database, Drive, the alert channels): on and working, off (not configured on this agent), or
 * degraded, since when and why, and what waits for it meanwhile (the backlog). A degraded
 * dependency never makes the agent unready: the agent keeps accepting and buffering
 * (docs/operations.md, "Health: liveness, readiness, degraded").
 *
 * @param dependency the dependency's name, a low-cardinality metric label ({@code archive}, {@code clickhouse}, ...)
 * @param state      OK, DEGRADED or OFF
 * @param target     where it is (a bucket, a URL without credentials, a folder); never a secret
 * @param error      the last error while degraded, else null
 * @param since      when the current outage began (the first failure of the streak), else null
 * @param backlog    what waits for it, by name (rows, bytes, beats, files, deliveries); plain numbers
 */
public record DependencyState(String dependency, State state, String target, String error, Instant since,
                              Map<String, Number> backlog) {

    public enum State {
        OK, DEGRADED, OFF;

        /** The lower-case name shown in health details, the console and docs. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public DependencyState {
        backlog = backlog == null ? Map.of() : Map.copyOf(backlog);
    }

    public static DependencyState off(String dependency, String target) {
        return new DependencyState(dependency, State.OFF, target, null, null, Map.of());
    }

    public static DependencyState ok(String dependency, String target, Map<String, Number> backlog) {
        return new DependencyState(dependency, State.OK, target, null, null, backlog);
    }

    public static DependencyState degraded(String dependency, String target, String error, Instant since,
                                           Map<String, Number> backlog) {
        return new DependencyState(dependency, State.DEGRADED, target, error == null ? "unknown" : error, since, backlog);
    }

    public boolean degraded() {
        return state == State.DEGRADED;
    }

    /** Seconds since the outage began (0 when not degraded or when its start is unknown). */
    public long degradedSeconds(Instant now) {
        return !degraded() || since == null ? 0 : Math.max(0, Duration.between(since, now).toSeconds());
    }

    /** Plain values for the console and the health check's details (no nulls, no secrets). */
    public Map<String, Object> toMap(Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state.label());
        if (target != null) {
            m.put("target", target);
        }
        if (degraded()) {
            m.put("error", error);
            if (since != null) {
                m.put("since", since.toString());
                m.put("degradedSeconds", degradedSeconds(now));
            }
        }
        backlog.forEach((k, v) -> m.put("backlog" + Character.toUpperCase(k.charAt(0)) + k.substring(1), v));
        return m;
    }
}
