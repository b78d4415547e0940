package dev.nervesys.reports;

import dev.nervesys.reports.FleetReport.AlertCount;
import dev.nervesys.reports.HeartbeatSource.AlertKey;
import dev.nervesys.reports.HeartbeatSource.Metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds heartbeats, ordered by agent then time, into per-agent figures and the fleet's chart
 * buckets. An alert counts as raised when it is open in a heartbeat and was not open in the same
 * agent's previous heartbeat of the period (alerts already open at the first heartbeat of the
 * period were raised earlier and are not counted again). When the alerts' {@code alert_history} table
 * is there, {@link #useAlertHistory} replaces that derivation with its rows: one row per alert,
 * counted in the period of its {@code first_seen}.
 */
public final class FleetAggregator {

    private final ReportPeriod period;
    private final long fromSecond;
    private final int buckets;
    private final int[] healthy;
    private final int[] degraded;
    private final int[] critical;
    private final double[] bufferSum;
    private final int[] bufferCount;
    private final double[] bufferMax;
    private final byte[] worst;
    private final BitSet minutes = new BitSet();
    private final List<AgentFigures> agents = new ArrayList<>();
    private final Map<String, int[]> alertRaised = new HashMap<>();
    private final Map<String, String> alertSeverity = new HashMap<>();
    private final Map<String, Set<String>> alertAgents = new HashMap<>();
    private AgentFigures current;
    private Set<String> openAlerts = new HashSet<>();
    private List<HeartbeatSource.HistoryAlert> history;

    public FleetAggregator(ReportPeriod period) {
        this.period = period;
        this.fromSecond = period.from().getEpochSecond();
        this.buckets = period.buckets();
        this.healthy = new int[buckets];
        this.degraded = new int[buckets];
        this.critical = new int[buckets];
        this.bufferSum = new double[buckets];
        this.bufferCount = new int[buckets];
        this.bufferMax = new double[buckets];
        Arrays.fill(bufferMax, Double.NaN);
        this.worst = new byte[buckets];
    }

    void add(String agentId, String server, Instant ts, String status, Metrics m, List<AlertKey> alerts, long uptime,
             String revision, String rejectedRevision, String rejectedError, long bufferRows, long dropped,
             double archiveLag, double ingestRate, String version) {
        if (current == null || !current.agentId.equals(agentId)) {
            flushAgent();
            current = new AgentFigures(agentId);
            agents.add(current);
            openAlerts = null;
        }
        AgentFigures a = current;
        a.beats++;
        if (server != null) {
            a.server = server;
        }
        if (version != null) {
            a.agentVersion = version;
        }
        if (a.firstSeen == null) {
            a.firstSeen = ts;
        }
        a.lastSeen = ts;
        long offset = ts.getEpochSecond() - fromSecond;
        int bucket = (int) Math.min(buckets - 1, Math.max(0, offset / period.bucketSeconds()));
        minutes.set((int) Math.max(0, offset / 60));
        byte s = switch (status == null ? "" : status) {
            case "critical" -> 3;
            case "degraded" -> 2;
            default -> 1;
        };
        switch (s) {
            case 3 -> a.critical++;
            case 2 -> a.degraded++;
            default -> a.healthy++;
        }
        worst[bucket] = (byte) Math.max(worst[bucket], s);
        a.cpu.add(m.cpu);
        a.ram.add(m.ram);
        a.disk.add(m.disk);
        a.bufferMb.add(m.bufferMb);
        if (!Double.isNaN(m.bufferMb)) {
            bufferSum[bucket] += m.bufferMb;
            bufferCount[bucket]++;
            bufferMax[bucket] = Double.isNaN(bufferMax[bucket]) ? m.bufferMb : Math.max(bufferMax[bucket], m.bufferMb);
        }
        if (bufferRows >= 0) {
            a.bufferRows.add(bufferRows);
        }
        a.archiveLag.add(archiveLag);
        a.ingestRate.add(ingestRate);
        a.uptime(uptime);
        a.dropped(dropped);
        a.revision(revision, rejectedRevision, rejectedError);
        Set<String> now = new HashSet<>();
        for (AlertKey k : alerts) {
            now.add(k.name());
            if (openAlerts != null && !openAlerts.contains(k.name())) {
                a.alertsRaised++;
                if ("critical".equalsIgnoreCase(k.severity())) {
                    a.criticalAlertsRaised++;
                }
                alertRaised.computeIfAbsent(k.name(), x -> new int[1])[0]++;
                alertSeverity.merge(k.name(), k.severity(), FleetAggregator::higher);
                alertAgents.computeIfAbsent(k.name(), x -> new HashSet<>()).add(agentId);
            }
        }
        openAlerts = now;
    }

    private static String higher(String a, String b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(String severity) {
        return switch (severity == null ? "" : severity.toLowerCase()) {
            case "critical" -> 3;
            case "warning", "degraded" -> 2;
            case "" -> 0;
            default -> 1;
        };
    }

    private void flushAgent() {
        if (current == null) {
            return;
        }
        current.minutesSeen = minutes.cardinality();
        minutes.clear();
        for (int i = 0; i < buckets; i++) {
            switch (worst[i]) {
                case 3 -> critical[i]++;
                case 2 -> degraded[i]++;
                case 1 -> healthy[i]++;
                default -> { }
            }
        }
        Arrays.fill(worst, (byte) 0);
    }

    /** Alerts raised from alert_history instead of the heartbeats' open alerts (null = keep the derivation). */
    public void useAlertHistory(List<HeartbeatSource.HistoryAlert> raised) {
        this.history = raised;
    }

    private void applyHistory() {
        alertRaised.clear();
        alertSeverity.clear();
        alertAgents.clear();
        Map<String, AgentFigures> byId = new HashMap<>();
        for (AgentFigures a : agents) {
            a.alertsRaised = 0;
            a.criticalAlertsRaised = 0;
            byId.put(a.agentId, a);
        }
        for (HeartbeatSource.HistoryAlert h : history) {
            AgentFigures a = byId.get(h.agentId());
            if (a != null) {
                a.alertsRaised++;
                if ("critical".equalsIgnoreCase(h.severity())) {
                    a.criticalAlertsRaised++;
                }
            }
            alertRaised.computeIfAbsent(h.rule(), x -> new int[1])[0]++;
            alertSeverity.merge(h.rule(), h.severity(), FleetAggregator::higher);
            alertAgents.computeIfAbsent(h.rule(), x -> new HashSet<>()).add(h.agentId());
        }
    }

    public FleetReport finish(long rows, Instant generatedAt) {
        flushAgent();
        current = null;
        if (history != null) {
            applyHistory();
        }
        double[] avg = new double[buckets];
        for (int i = 0; i < buckets; i++) {
            avg[i] = bufferCount[i] == 0 ? Double.NaN : bufferSum[i] / bufferCount[i];
        }
        List<AlertCount> alerts = new ArrayList<>();
        alertRaised.forEach((name, n) -> alerts.add(new AlertCount(name, alertSeverity.getOrDefault(name, ""), n[0],
                alertAgents.get(name).size())));
        alerts.sort(Comparator.comparingInt(AlertCount::raised).reversed().thenComparing(AlertCount::name));
        return new FleetReport(period, generatedAt, rows, List.copyOf(agents), healthy, degraded, critical, avg, bufferMax,
                alerts, List.of(), null, List.of(), history != null ? FleetReport.FROM_HISTORY : FleetReport.FROM_HEARTBEATS);
    }
}
