package dev.nervesys.reports;

import java.time.Instant;
import java.util.List;

/**
 * Everything a report shows, gathered once and handed to every renderer.
 *
 * @param agents       per-agent figures, sorted by agent id
 * @param healthy      per chart bucket: agents whose worst status in the bucket was healthy
 * @param degraded     ... degraded
 * @param critical     ... critical
 * @param bufferAvgMb  per bucket: average buffer_size_mb over the fleet's heartbeats (NaN = none)
 * @param bufferMaxMb  per bucket: largest buffer_size_mb
 * @param alerts       alerts raised in the period, most frequent first
 * @param runs         telemetry records per run from ClickHouse (empty when not configured)
 * @param runsNote     why runs are empty, or null
 * @param trigger      for an alerts report, the critical heartbeats that fired it
 * @param alertsSource where "alerts raised" comes from: {@link #FROM_HISTORY} or {@link #FROM_HEARTBEATS}
 */
public record FleetReport(ReportPeriod period, Instant generatedAt, long rows, List<AgentFigures> agents,
                          int[] healthy, int[] degraded, int[] critical, double[] bufferAvgMb, double[] bufferMaxMb,
                          List<AlertCount> alerts, List<RunCount> runs, String runsNote, List<String> trigger,
                          String alertsSource) {

    public static final String FROM_HISTORY = "alert_history (alerts first seen in the period)";
    public static final String FROM_HEARTBEATS = "agent_status.alerts (alerts newly open in a heartbeat)";

    /** One alert rule: how often it was raised, on how many agents, at which severity. */
    public record AlertCount(String name, String severity, int raised, int agents) {
    }

    public record RunCount(String runId, long records) {
    }

    public Instant bucketStart(int i) {
        return period.from().plusSeconds((long) i * period.bucketSeconds());
    }

    public long totalAlertsRaised() {
        return alerts.stream().mapToLong(AlertCount::raised).sum();
    }

    public long rejectedRevisions() {
        return agents.stream().mapToLong(a -> a.rejected().size()).sum();
    }

    public FleetReport withRuns(List<RunCount> runs, String note) {
        return new FleetReport(period, generatedAt, rows, agents, healthy, degraded, critical, bufferAvgMb, bufferMaxMb,
                alerts, runs, note, trigger, alertsSource);
    }

    public FleetReport withTrigger(List<String> trigger) {
        return new FleetReport(period, generatedAt, rows, agents, healthy, degraded, critical, bufferAvgMb, bufferMaxMb,
                alerts, runs, runsNote, trigger, alertsSource);
    }
}
