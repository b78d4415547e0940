package dev.nervesys.reports;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures of one agent over a report period, filled row by row in time order. */
public final class AgentFigures {

    final String agentId;
    String server = "";
    String agentVersion = "";
    long beats;
    long healthy;
    long degraded;
    long critical;
    Instant firstSeen;
    Instant lastSeen;
    int minutesSeen;
    int restarts;
    long maxUptimeSeconds;
    private long lastUptime = -1;
    final Stat cpu = new Stat();
    final Stat ram = new Stat();
    final Stat disk = new Stat();
    final Stat bufferMb = new Stat();
    final Stat bufferRows = new Stat();
    final Stat archiveLag = new Stat();
    final Stat ingestRate = new Stat();
    long droppedRows;
    private long lastDropped = -1;
    int alertsRaised;
    int criticalAlertsRaised;
    /** Config revisions in the order they were first applied. */
    final List<String> revisions = new ArrayList<>();
    /** Rejected revision to its (last) error. */
    final Map<String, String> rejected = new LinkedHashMap<>();

    AgentFigures(String agentId) {
        this.agentId = agentId;
    }

    void uptime(long seconds) {
        if (seconds < 0) {
            return;
        }
        if (lastUptime >= 0 && seconds < lastUptime) {
            restarts++;
        }
        lastUptime = seconds;
        maxUptimeSeconds = Math.max(maxUptimeSeconds, seconds);
    }

    /** buffer_dropped is a counter since the agent started: add its increases, restarting at a reset. */
    void dropped(long total) {
        if (total < 0) {
            return;
        }
        if (lastDropped >= 0) {
            droppedRows += total >= lastDropped ? total - lastDropped : total;
        }
        lastDropped = total;
    }

    void revision(String applied, String rejectedRevision, String rejectedError) {
        if (applied != null && !applied.isEmpty() && (revisions.isEmpty() || !revisions.get(revisions.size() - 1).equals(applied))
                && !revisions.contains(applied)) {
            revisions.add(applied);
        }
        if (rejectedRevision != null && !rejectedRevision.isEmpty()) {
            rejected.put(rejectedRevision, rejectedError == null ? "" : rejectedError);
        }
    }

    public String agentId() { return agentId; }
    public String server() { return server; }
    public String agentVersion() { return agentVersion; }
    public long beats() { return beats; }
    public long healthy() { return healthy; }
    public long degraded() { return degraded; }
    public long critical() { return critical; }
    public Instant firstSeen() { return firstSeen; }
    public Instant lastSeen() { return lastSeen; }
    public int minutesSeen() { return minutesSeen; }
    public int restarts() { return restarts; }
    public long maxUptimeSeconds() { return maxUptimeSeconds; }
    public Stat cpu() { return cpu; }
    public Stat ram() { return ram; }
    public Stat disk() { return disk; }
    public Stat bufferMb() { return bufferMb; }
    public Stat bufferRows() { return bufferRows; }
    public Stat archiveLag() { return archiveLag; }
    public Stat ingestRate() { return ingestRate; }
    public long droppedRows() { return droppedRows; }
    public int alertsRaised() { return alertsRaised; }
    public int criticalAlertsRaised() { return criticalAlertsRaised; }
    public List<String> revisions() { return revisions; }
    public Map<String, String> rejected() { return rejected; }

    /** Average and peak of one metric; NaN when the metric never appeared. */
    public static final class Stat {
        private double sum;
        private long count;
        private double peak = Double.NaN;

        void add(double v) {
            if (Double.isNaN(v)) {
                return;
            }
            sum += v;
            count++;
            peak = Double.isNaN(peak) ? v : Math.max(peak, v);
        }

        public double avg() {
            return count == 0 ? Double.NaN : sum / count;
        }

        public double peak() {
            return peak;
        }

        public long count() {
            return count;
        }
    }
}
