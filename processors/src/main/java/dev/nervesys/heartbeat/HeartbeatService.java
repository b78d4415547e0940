package dev.nervesys.heartbeat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.spi.AgentInfo;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * Bean {@code heartbeat}: route {@code heartbeat-beat} calls {@link #beat} every
 * {@code nervesys.heartbeat.interval}. A beat gathers the agent's figures, derives the status from
 * config/thresholds.yaml and stores the row in the spool (never in the database directly: see
 * {@link HeartbeatStore}). The other capabilities' figures come through the typed interfaces of
 * {@link HeartbeatFigures}, {@code agentInfo} from the registry; each is optional: a missing one
 * leaves its columns null.
 */
public final class HeartbeatService implements StatusReporter, MeterBinder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String agentId;
    private final String server;
    private final Path dataDir;
    private volatile Duration interval;
    private final StatusThresholds thresholds;
    private final HeartbeatStore store;
    private final HeartbeatFigures.Buffer buffer;
    private final HeartbeatFigures.Archive archiver;
    private final HeartbeatFigures.Ingest ingest;
    private final HeartbeatFigures.Alerts alerts;
    private final Clock clock;
    private final Instant created;
    private volatile AgentInfo agentInfo;
    private volatile Map<String, Object> last;
    private volatile long beats;

    public HeartbeatService(String agentId, String server, Path dataDir, Duration interval, StatusThresholds thresholds,
                            HeartbeatStore store, HeartbeatFigures.Buffer buffer, HeartbeatFigures.Archive archiver,
                            HeartbeatFigures.Ingest ingest, HeartbeatFigures.Alerts alerts, Clock clock) {
        this.clock = clock;
        this.created = clock.instant();
        this.agentId = agentId;
        this.server = server;
        this.dataDir = dataDir;
        this.interval = interval;
        this.thresholds = thresholds;
        this.store = store;
        this.buffer = buffer;
        this.archiver = archiver;
        this.ingest = ingest;
        this.alerts = alerts;
    }

    /** Header with the route's {@code nervesys.heartbeat.interval} in milliseconds, set before each beat. */
    public static final String INTERVAL_HEADER = "NervesysHeartbeatIntervalMillis";

    /**
     * Route step: one beat, spooled. The body becomes the row (for logs and tests). The interval
     * written with it comes from the route (header {@link #INTERVAL_HEADER}), which alone reads the
     * setting: after a reload the row says what the timer does.
     */
    public Map<String, Object> beat(Exchange ex) throws Exception {
        Long ms = ex == null ? null : ex.getIn().getHeader(INTERVAL_HEADER, Long.class);
        if (ms != null) {
            interval = Duration.ofMillis(ms);
        }
        Map<String, Object> row = snapshot(ex == null ? null : ex.getContext(), clock.instant());
        store.enqueue(row);
        beats++;
        last = row;
        return row;
    }

    /** The row a beat at time now would write (columns of agent_status; JSON columns as text). */
    public Map<String, Object> snapshot(CamelContext context, Instant now) throws Exception {
        AgentInfo info = agentInfo(context);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("cpu_percent", SystemMetrics.cpuPercent());
        metrics.put("ram_percent", SystemMetrics.ramPercent());
        metrics.put("disk_percent", SystemMetrics.diskPercent(dataDir));
        Long bufferRows = null;
        Long bufferDropped = null;
        if (buffer != null) {
            metrics.put("buffer_size_mb", SystemMetrics.round(buffer.bytesOnDisk() / 1048576.0));
            metrics.put("buffer_percent", buffer.maxBytes() <= 0 ? 0.0
                    : SystemMetrics.round(100.0 * buffer.bytesOnDisk() / buffer.maxBytes()));
            bufferRows = buffer.rows();
            bufferDropped = buffer.dropped();
        }
        Long lag = archiver == null ? null : archiver.lag().toSeconds();
        Double rate = ingest == null ? null : ingest.recordsPerSecond();
        List<Map<String, Object>> open = alerts == null ? List.of() : alerts.openAlerts();
        if (alerts != null) {
            // the true counts: the alerts column lists at most 50
            metrics.put("open_alerts", alerts.openCount());
            metrics.put("open_alert_groups", alerts.openGroups());
            metrics.put("open_alert_lines", alerts.openLines());
        }
        String rejected = info == null ? null : info.rejectedRevision();

        Map<String, Number> figures = new LinkedHashMap<>();
        metrics.forEach((k, v) -> figures.put(k, (Number) v));
        if (lag != null) {
            figures.put("archive_lag_seconds", lag);
        }
        if (rate != null) {
            figures.put("ingest_rate", rate);
        }
        figures.put("open_alerts", alerts == null ? open.size() : alerts.openCount());
        figures.put("config_rejected", rejected == null ? 0 : 1);
        StatusThresholds.Verdict verdict = thresholds.evaluate(figures);

        Instant started = info != null && info.startedAt() != null ? info.startedAt()
                : Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("agent_id", agentId);
        row.put("server", server);
        row.put("ts", now.truncatedTo(ChronoUnit.MICROS).toString());
        row.put("status", verdict.status());
        row.put("status_reason", verdict.reasons().isEmpty() ? null : String.join("; ", verdict.reasons()));
        row.put("metrics", JSON.writeValueAsString(metrics));
        row.put("alerts", JSON.writeValueAsString(open));
        row.put("last_action", lastAction(info));
        row.put("uptime_seconds", Math.max(0, Duration.between(started, now).toSeconds()));
        row.put("config_revision", info == null ? null : info.appliedRevision());
        row.put("config_rejected_revision", rejected);
        row.put("config_rejected_error", info == null ? null : info.rejectedError());
        row.put("buffer_rows", bufferRows);
        row.put("buffer_dropped", bufferDropped);
        row.put("archive_lag_seconds", lag);
        row.put("ingest_rate", rate);
        row.put("agent_version", info == null ? null : info.version());
        row.put("interval_seconds", (int) interval.toSeconds());
        row.put("route_stats", RouteFigures.of(context));
        return row;
    }

    /** The most recent thing the agent did that an operator cares about. */
    private String lastAction(AgentInfo info) {
        String alert = alerts == null ? null : alerts.lastAction();
        if (alert != null) {
            return alert;
        }
        String key = archiver == null ? null : archiver.lastKey();
        if (key != null && !key.isEmpty()) {
            return "archived " + key;
        }
        if (info != null && info.appliedRevision() != null) {
            return "applied config " + info.appliedRevision();
        }
        return "started";
    }

    private AgentInfo agentInfo(CamelContext context) {
        AgentInfo info = agentInfo;
        if (info == null && context != null) {
            info = context.getRegistry().lookupByNameAndType("agentInfo", AgentInfo.class);
            if (info == null) {
                info = context.getRegistry().findSingleByType(AgentInfo.class);
            }
            agentInfo = info;
        }
        return info;
    }

    /** For tests and embedders without a Camel registry. */
    public void setAgentInfo(AgentInfo info) {
        this.agentInfo = info;
    }

    @Override
    public String statusName() {
        return "heartbeat";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intervalSeconds", interval.toSeconds());
        m.put("beats", beats);
        Map<String, Object> l = last;
        if (l != null) {
            m.put("lastBeat", l.get("ts"));
            m.put("status", l.get("status"));
            m.put("statusReason", l.get("status_reason"));
        }
        return m;
    }

    /** Prometheus: nervesys_heartbeat_beats_total (the store exports the writes). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.heartbeat.beats", this, h -> h.beats)
                .description("Beats taken and spooled (written to the database by the flush route)").register(registry);
    }

    Instant created() {
        return created;
    }
}
