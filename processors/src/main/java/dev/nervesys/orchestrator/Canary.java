package dev.nervesys.orchestrator;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which agents are canaries ({@code nervesys.rollout.canary}): a percentage ({@code 10%}: the agents
 * whose id hashes below it, the same agents at every rollout and on every orchestrator), or agent
 * ids separated by commas, or {@code none} (no staged rollouts: every commit goes to everyone at once;
 * an empty value means the default, as for every setting).
 */
public record Canary(String spec, int percent, Set<String> names) {

    public static Canary parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.equalsIgnoreCase("none")) {
            return new Canary(s, 0, Set.of());
        }
        if (s.endsWith("%")) {
            int p;
            try {
                p = Integer.parseInt(s.substring(0, s.length() - 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("nervesys.rollout.canary: '" + s + "' is not a percentage (10%)");
            }
            if (p < 0 || p > 100) {
                throw new IllegalArgumentException("nervesys.rollout.canary: " + s + " is not between 0% and 100%");
            }
            return new Canary(s, p, Set.of());
        }
        Set<String> names = Arrays.stream(s.split(",")).map(String::trim).filter(n -> !n.isEmpty()).collect(Collectors.toUnmodifiableSet());
        return new Canary(s, 0, names);
    }

    /** False when staged rollouts are off. */
    public boolean enabled() {
        return percent > 0 || !names.isEmpty();
    }

    public boolean isCanary(String agentId) {
        // String.hashCode is specified by the JLS: the same set on every orchestrator and JVM
        return names.contains(agentId) || (percent > 0 && Math.floorMod(agentId.hashCode(), 100) < percent);
    }
}
