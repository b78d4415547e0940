package dev.nervesys.heartbeat;

import dev.nervesys.common.YamlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Section {@code status:} of config/thresholds.yaml: for each heartbeat figure the value at which
 * the agent is {@code degraded} and at which it is {@code critical}. The beat's status is the
 * worst level any figure reaches; figures not listed never change it.
 */
public final class StatusThresholds {

    public static final String FILE = "config/thresholds.yaml";
    /** The figures a threshold can name (the heartbeat computes exactly these). */
    public static final List<String> FIGURES = List.of("cpu_percent", "ram_percent", "disk_percent",
            "buffer_percent", "buffer_size_mb", "archive_lag_seconds", "open_alerts", "ingest_rate",
            "config_rejected");

    public record Limit(double degraded, double critical) {
    }

    public record Verdict(String status, List<String> reasons) {
    }

    private final Map<String, Limit> limits;

    public StatusThresholds(Map<String, Limit> limits) {
        this.limits = Map.copyOf(limits);
    }

    public static StatusThresholds defaults() {
        return parse(YamlNode.parse(FILE, ""));
    }

    /** Parses the {@code status:} section of the whole file; throws {@code file:line: reason}. */
    public static StatusThresholds parse(YamlNode root) {
        Map<String, Limit> out = new LinkedHashMap<>();
        YamlNode status = root.get("status");
        if (status == null || status.isEmpty()) {
            return new StatusThresholds(out);
        }
        for (String figure : status.keys()) {
            YamlNode n = status.get(figure);
            if (!FIGURES.contains(figure)) {
                throw n.error("unknown status figure '" + figure + "' (known: " + String.join(", ", FIGURES) + ")");
            }
            n.allowOnly("degraded", "critical");
            double degraded = n.get("degraded") == null ? Double.POSITIVE_INFINITY : n.get("degraded").number();
            double critical = n.get("critical") == null ? Double.POSITIVE_INFINITY : n.get("critical").number();
            if (degraded > critical) {
                throw n.error(figure + ": degraded (" + degraded + ") must not be above critical (" + critical + ")");
            }
            out.put(figure, new Limit(degraded, critical));
        }
        return new StatusThresholds(out);
    }

    public Map<String, Limit> limits() {
        return limits;
    }

    public Verdict evaluate(Map<String, ? extends Number> figures) {
        int worst = 0;
        List<String> reasons = new ArrayList<>();
        for (Map.Entry<String, Limit> e : limits.entrySet()) {
            Number v = figures.get(e.getKey());
            if (v == null) {
                continue;
            }
            double x = v.doubleValue();
            int level = x >= e.getValue().critical() ? 2 : x >= e.getValue().degraded() ? 1 : 0;
            if (level > 0) {
                reasons.add(e.getKey() + " " + format(x) + " >= " + format(level == 2 ? e.getValue().critical() : e.getValue().degraded()));
            }
            worst = Math.max(worst, level);
        }
        return new Verdict(worst == 2 ? "critical" : worst == 1 ? "degraded" : "healthy", reasons);
    }

    private static String format(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : String.format(java.util.Locale.ROOT, "%.1f", x);
    }
}
