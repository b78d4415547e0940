package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.spi.RunTracker;
import dev.nervesys.spi.StatusReporter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code runs}: which runs exist and their metadata (docs/runs.md). A run starts with its
 * first record (seen by the live view at once and by the ClickHouse shipper reliably) or with
 * {@code POST /runs/{id}/start}; it ends with {@code POST /runs/{id}/end} or after
 * {@code nervesys.runs.idleTimeout} without records. Every change is written to ClickHouse's
 * {@code runs} table (a ReplacingMergeTree: one row per version) by {@link #tick}; while ClickHouse
 * is off or down the registry lives in memory and catches up later.
 */
public final class Runs implements StatusReporter, RunTracker {

    private static final Logger LOG = LoggerFactory.getLogger(Runs.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run; mutable, guarded by the registry's lock. */
    public static final class Run {
        final String id;
        String name;
        String engine = "";
        String parameters = "{}";
        boolean ended;
        long startedAt;
        long endedAt;
        String endReason = "";
        long lastSeen;
        boolean dirty = true;

        Run(String id, long startedAt) {
            this.id = id;
            this.name = id;
            this.startedAt = startedAt;
            this.lastSeen = startedAt;
        }

        ObjectNode toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("run_id", id);
            n.put("name", name);
            n.put("engine", engine);
            try {
                n.set("parameters", JSON.readTree(parameters));
            } catch (Exception e) {
                n.put("parameters", parameters);
            }
            n.put("status", ended ? "ended" : "live");
            n.put("started_at", Instant.ofEpochMilli(startedAt).toString());
            n.put("ended_at", ended ? Instant.ofEpochMilli(endedAt).toString() : null);
            n.put("end_reason", ended ? endReason : null);
            n.put("last_seen", Instant.ofEpochMilli(lastSeen).toString());
            return n;
        }
    }

    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final ClickHouseClient ch;
    private final Duration idleTimeout;
    private volatile String lastError;
    private long written;
    private final java.time.Clock clock;

    /** @param ch null when ClickHouse is off: runs are then kept in memory only */
    public Runs(ClickHouseClient ch, Duration idleTimeout) {
        this(ch, idleTimeout, java.time.Clock.systemUTC());
    }

    /** @param clock the agent's clock ({@code AgentSettings.clock()}), the one ingest and the shipper stamp records with */
    public Runs(ClickHouseClient ch, Duration idleTimeout, java.time.Clock clock) {
        this.ch = ch;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
    }

    /**
     * Records arrived for these runs (run id to the receive time of the newest one). Unknown runs
     * start; an ended run restarts only for records received after it ended (the shipper reports
     * late, so its records from before the end must not reopen it).
     */
    @Override
    public synchronized void seen(Map<String, Long> lastReceivedByRun) {
        lastReceivedByRun.forEach((id, at) -> {
            Run r = runs.get(id);
            if (r == null) {
                r = new Run(id, at);
                runs.put(id, r);
                LOG.info("run {} started by its first record", id);
            } else if (r.ended && at > r.endedAt) {
                r.ended = false;
                r.endReason = "";
                r.dirty = true;
                LOG.info("run {} resumed: records after its end", id);
            }
            r.lastSeen = Math.max(r.lastSeen, at);
        });
    }

    /** {@code POST /runs/{id}/start}: creates or restarts the run and sets the metadata given. */
    public synchronized JsonNode start(String id, JsonNode meta) {
        long now = clock.millis();
        Run r = runs.get(id);
        if (r == null || r.ended) {
            Run fresh = new Run(id, now);
            if (r != null) {
                fresh.name = r.name;
                fresh.engine = r.engine;
                fresh.parameters = r.parameters;
            }
            r = fresh;
            runs.put(id, r);
        }
        if (meta != null && meta.isObject()) {
            if (meta.hasNonNull("name")) {
                r.name = meta.get("name").asText();
            }
            if (meta.hasNonNull("engine")) {
                r.engine = meta.get("engine").asText();
            }
            if (meta.has("parameters")) {
                r.parameters = meta.get("parameters").toString();
            }
        }
        r.lastSeen = Math.max(r.lastSeen, now);
        r.dirty = true;
        return r.toJson();
    }

    /** {@code POST /runs/{id}/end}; null when the run is unknown. */
    public synchronized JsonNode end(String id, String reason) {
        Run r = runs.get(id);
        if (r == null) {
            return null;
        }
        if (!r.ended) {
            r.ended = true;
            r.endedAt = clock.millis();
            r.endReason = reason;
            r.dirty = true;
            LOG.info("run {} ended ({})", id, reason);
        }
        return r.toJson();
    }

    public synchronized JsonNode get(String id) {
        Run r = runs.get(id);
        return r == null ? null : r.toJson();
    }

    /** Ends idle runs and writes changed runs to ClickHouse. Called by routes/runs.camel.yaml. */
    public void tick() {
        List<String> rows = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            for (Run r : runs.values()) {
                if (!r.ended && now - r.lastSeen >= idleTimeout.toMillis()) {
                    end(r.id, "idle");
                }
                if (r.dirty && ch != null) {
                    rows.add(row(r, now));
                    ids.add(r.id);
                    r.dirty = false;
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        try {
            byte[] body = String.join("\n", rows).getBytes(StandardCharsets.UTF_8);
            ch.insert("runs", body, 0, body.length);
            written += rows.size();
            lastError = null;
        } catch (Exception e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("writing {} run rows to ClickHouse failed (retried on the next tick): {}", rows.size(), lastError);
            synchronized (this) {
                for (String id : ids) {
                    Run r = runs.get(id);
                    if (r != null) {
                        r.dirty = true;
                    }
                }
            }
        }
    }

    private static String row(Run r, long version) {
        ObjectNode n = JSON.createObjectNode();
        n.put("run_id", r.id);
        n.put("name", r.name);
        n.put("engine", r.engine);
        n.put("parameters", r.parameters);
        n.put("status", r.ended ? "ended" : "live");
        n.put("started_at", r.startedAt / 1000);
        n.put("ended_at", r.ended ? r.endedAt / 1000 : 0);
        n.put("end_reason", r.endReason);
        n.put("version", version * 1000 + (System.nanoTime() % 1000 + 1000) % 1000);
        return n.toString();
    }

    /** Live and past runs: ClickHouse's table overlaid with what this agent knows now, newest first. */
    public List<JsonNode> list() {
        Map<String, JsonNode> all = new LinkedHashMap<>();
        if (ch != null) {
            String sql = "SELECT run_id, name, engine, parameters, status, " + iso("started_at") + ", " + iso("ended_at")
                    + ", end_reason FROM "
                    + ch.table("runs") + " FINAL ORDER BY started_at DESC LIMIT 10000 FORMAT JSONEachRow";
            try (var in = ch.stream(sql)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        JsonNode n = JSON.readTree(line);
                        ObjectNode o = JSON.createObjectNode();
                        o.put("run_id", n.get("run_id").asText());
                        o.put("name", n.get("name").asText());
                        o.put("engine", n.get("engine").asText());
                        try {
                            o.set("parameters", JSON.readTree(n.get("parameters").asText()));
                        } catch (Exception e) {
                            o.put("parameters", n.get("parameters").asText());
                        }
                        o.put("status", n.get("status").asText());
                        o.put("started_at", utc(n.get("started_at").asText()));
                        boolean ended = "ended".equals(n.get("status").asText());
                        o.put("ended_at", ended ? utc(n.get("ended_at").asText()) : null);
                        o.put("end_reason", ended ? n.get("end_reason").asText() : null);
                        all.put(o.get("run_id").asText(), o);
                    }
                }
            } catch (Exception e) {
                LOG.warn("listing runs from ClickHouse failed, showing this agent's only: {}", e.getMessage());
            }
        }
        synchronized (this) {
            runs.values().forEach(r -> all.put(r.id, r.toJson()));
        }
        List<JsonNode> out = new ArrayList<>(all.values());
        out.sort(Comparator.comparing((JsonNode n) -> n.get("started_at").asText()).reversed());
        return out;
    }

    private static String utc(String iso) {
        return iso;
    }

    /** A DateTime column as RFC 3339 in UTC (ClickHouse would print it in the server's zone). */
    private static String iso(String column) {
        return "concat(replaceOne(toString(" + column + ", 'UTC'), ' ', 'T'), 'Z') AS " + column;
    }

    /** This agent's runs as JSON, without asking ClickHouse (the live UI's list). */
    @Override
    public synchronized List<ObjectNode> snapshot() {
        List<ObjectNode> out = new ArrayList<>();
        runs.values().forEach(r -> out.add(r.toJson()));
        out.sort(Comparator.comparing((ObjectNode n) -> n.get("started_at").asText()).reversed());
        return out;
    }

    public synchronized List<String> liveRunIds() {
        return runs.values().stream().filter(r -> !r.ended).map(r -> r.id).toList();
    }

    @Override
    public String statusName() {
        return "runs";
    }

    @Override
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("known", runs.size());
        m.put("live", runs.values().stream().filter(r -> !r.ended).map(r -> r.id).toList());
        m.put("idleTimeoutSeconds", idleTimeout.toSeconds());
        m.put("rowsWritten", written);
        m.put("lastError", lastError);
        return m;
    }
}
