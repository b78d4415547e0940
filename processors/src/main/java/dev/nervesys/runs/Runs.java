package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
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
    /** Run times: RFC 3339 UTC, always with milliseconds (fixed width, so they also sort as text). */
    static final java.time.format.DateTimeFormatter MILLIS =
            java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);
    /** The columns a run is read back with, in list, get and start-up recovery alike. */
    static final String COLUMNS = "run_id, name, engine, parameters, status, started_ms, ended_ms, last_seen_ms, end_reason, agent";

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

        /** A run as ClickHouse's {@code runs} table has it (a JSONEachRow line of {@link #COLUMNS}). */
        static Run fromRow(JsonNode n) {
            Run r = new Run(n.path("run_id").asText(), n.path("started_ms").asLong());
            r.name = n.path("name").asText();
            r.engine = n.path("engine").asText();
            r.parameters = n.path("parameters").asText("{}");
            r.ended = "ended".equals(n.path("status").asText());
            r.endedAt = n.path("ended_ms").asLong();
            r.endReason = n.path("end_reason").asText();
            r.lastSeen = Math.max(r.startedAt, n.path("last_seen_ms").asLong());
            r.dirty = false;
            return r;
        }

        /** The one JSON shape of a run, whether this agent holds it or only ClickHouse does. */
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
            n.put("started_at", MILLIS.format(Instant.ofEpochMilli(startedAt)));
            n.put("ended_at", ended ? MILLIS.format(Instant.ofEpochMilli(endedAt)) : null);
            n.put("end_reason", ended ? endReason : null);
            n.put("last_seen", MILLIS.format(Instant.ofEpochMilli(lastSeen)));
            return n;
        }
    }

    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final ClickHouseClient ch;
    private final Duration idleTimeout;
    private volatile String lastError;
    private long written;
    private final java.time.Clock clock;
    private final String agentId;
    /** Whether the runs this agent left live when it last stopped have been ended (reason {@code restart}). */
    private volatile boolean recovered;
    /** Runs started here by records that ClickHouse may already know: not written until merged with what it holds. */
    private final java.util.Set<String> unchecked = new java.util.LinkedHashSet<>();

    /** @param ch null when ClickHouse is off: runs are then kept in memory only */
    public Runs(ClickHouseClient ch, Duration idleTimeout) {
        this(ch, idleTimeout, java.time.Clock.systemUTC(), "");
    }

    /**
     * @param clock the agent's clock ({@code AgentSettings.clock()}), the one ingest and the shipper stamp records with
     * @param agentId written with every run row: at start-up the agent ends the runs it left live
     */
    public Runs(ClickHouseClient ch, Duration idleTimeout, java.time.Clock clock, String agentId) {
        this.ch = ch;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
        this.agentId = agentId;
        this.recovered = ch == null;
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
                unchecked.add(id); // ClickHouse may hold it (from before a restart): merged by the next tick
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

    /**
     * {@code POST /runs/{id}/start}: creates or restarts the run and sets the metadata given. A run
     * only ClickHouse knows (this agent restarted, or another agent ran it) is taken over with its metadata.
     */
    public JsonNode start(String id, JsonNode meta) throws java.io.IOException, ClickHouseException {
        adopt(id);
        return startKnown(id, meta);
    }

    private synchronized JsonNode startKnown(String id, JsonNode meta) {
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

    /** {@code POST /runs/{id}/end}, also of a run only ClickHouse knows as live; null when the run is unknown. */
    public JsonNode end(String id, String reason) throws java.io.IOException, ClickHouseException {
        adopt(id);
        return endKnown(id, reason);
    }

    private synchronized JsonNode endKnown(String id, String reason) {
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

    /** One run as {@code GET /runs} lists it: this agent's view, else ClickHouse's; null when neither knows it. */
    public JsonNode get(String id) throws java.io.IOException, ClickHouseException {
        synchronized (this) {
            Run r = runs.get(id);
            if (r != null) {
                return r.toJson();
            }
        }
        List<Run> stored = read(" WHERE run_id = " + ClickHouseClient.quote(id));
        return stored.isEmpty() ? null : stored.get(0).toJson();
    }

    /** Takes a run only ClickHouse knows into this agent's registry, unchanged (not written again). */
    private void adopt(String id) throws java.io.IOException, ClickHouseException {
        synchronized (this) {
            if (runs.containsKey(id) || ch == null) {
                return;
            }
        }
        List<Run> stored = read(" WHERE run_id = " + ClickHouseClient.quote(id));
        synchronized (this) {
            if (!stored.isEmpty()) {
                runs.putIfAbsent(id, stored.get(0));
            }
        }
    }

    /** Rows of {@code runs FINAL} matching {@code where}, newest first; none when ClickHouse is off. */
    private List<Run> read(String where) throws java.io.IOException, ClickHouseException {
        List<Run> out = new ArrayList<>();
        if (ch == null) {
            return out;
        }
        String sql = "SELECT " + COLUMNS + " FROM " + ch.table("runs") + " FINAL" + where
                + " ORDER BY started_ms DESC LIMIT 10000 FORMAT JSONEachRow";
        try (var in = ch.stream(sql)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(Run.fromRow(JSON.readTree(line)));
                }
            }
        }
        return out;
    }

    /**
     * Ends the runs this agent (or an agent before the {@code agent} column existed) left live in
     * ClickHouse when it stopped, with reason {@code restart} and the start-up time as end; records
     * received later resume them as any ended run. A run that records already restarted here keeps
     * its stored name, metadata and start. Retried by every tick until ClickHouse answers.
     */
    void recover() {
        if (recovered) {
            return;
        }
        List<Run> left;
        try {
            left = read(" WHERE status = 'live' AND agent IN (" + ClickHouseClient.quote(agentId) + ", '')");
        } catch (java.io.IOException | ClickHouseException e) {
            LOG.warn("reading the runs left live before this start failed (retried on the next tick): {}", dev.nervesys.spi.ErrorLine.of(e));
            return;
        }
        long now = clock.millis();
        synchronized (this) {
            for (Run stored : left) {
                Run r = runs.get(stored.id);
                if (r == null) {
                    stored.ended = true;
                    stored.endedAt = Math.max(now, stored.lastSeen);
                    stored.endReason = "restart";
                    stored.dirty = true;
                    runs.put(stored.id, stored);
                    LOG.info("run {} was live when this agent stopped: ended (restart)", stored.id);
                } else {
                    merge(r, stored);
                }
            }
            recovered = true;
        }
    }

    /** A run that records started here while ClickHouse already held it: the stored start and metadata win. */
    private static void merge(Run r, Run stored) {
        r.startedAt = Math.min(r.startedAt, stored.startedAt);
        r.name = r.name.equals(r.id) ? stored.name : r.name;
        r.engine = r.engine.isEmpty() ? stored.engine : r.engine;
        r.parameters = r.parameters.equals("{}") ? stored.parameters : r.parameters;
        r.dirty = true;
    }

    /** Merges the runs records started here with ClickHouse's rows of them; false while ClickHouse does not answer. */
    private boolean check() {
        List<String> ids;
        synchronized (this) {
            if (unchecked.isEmpty() || ch == null) {
                unchecked.clear();
                return true;
            }
            ids = new ArrayList<>(unchecked);
        }
        List<Run> stored;
        try {
            stored = read(" WHERE run_id IN (" + String.join(",", ids.stream().map(ClickHouseClient::quote).toList()) + ")");
        } catch (java.io.IOException | ClickHouseException e) {
            LOG.warn("reading {} runs from ClickHouse failed (retried on the next tick): {}", ids.size(), dev.nervesys.spi.ErrorLine.of(e));
            return false;
        }
        synchronized (this) {
            for (Run s : stored) {
                Run r = runs.get(s.id);
                if (r != null && unchecked.contains(s.id)) {
                    merge(r, s);
                }
            }
            ids.forEach(unchecked::remove);
        }
        return true;
    }

    /** Ends idle runs and writes changed runs to ClickHouse. Called by routes/runs.camel.yaml. */
    public void tick() {
        recover();
        check();
        List<String> rows = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            for (Run r : runs.values()) {
                if (!r.ended && now - r.lastSeen >= idleTimeout.toMillis()) {
                    endKnown(r.id, "idle");
                }
                if (r.dirty && ch != null && !unchecked.contains(r.id)) {
                    rows.add(row(r, now, agentId));
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

    private static String row(Run r, long version, String agentId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("run_id", r.id);
        n.put("name", r.name);
        n.put("engine", r.engine);
        n.put("parameters", r.parameters);
        n.put("status", r.ended ? "ended" : "live");
        n.put("started_at", r.startedAt / 1000);
        n.put("ended_at", r.ended ? r.endedAt / 1000 : 0);
        n.put("end_reason", r.endReason);
        n.put("started_ms", r.startedAt);
        n.put("ended_ms", r.ended ? r.endedAt : 0);
        n.put("last_seen_ms", r.lastSeen);
        n.put("agent", agentId);
        n.put("version", version * 1000 + (System.nanoTime() % 1000 + 1000) % 1000);
        return n.toString();
    }

    /** Live and past runs: ClickHouse's table overlaid with what this agent knows now, newest first. */
    public List<JsonNode> list() {
        Map<String, JsonNode> all = new LinkedHashMap<>();
        try {
            read("").forEach(r -> all.put(r.id, r.toJson()));
        } catch (java.io.IOException | ClickHouseException e) {
            LOG.warn("listing runs from ClickHouse failed, showing this agent's only: {}", dev.nervesys.spi.ErrorLine.of(e));
        }
        synchronized (this) {
            runs.values().forEach(r -> all.put(r.id, r.toJson()));
        }
        List<JsonNode> out = new ArrayList<>(all.values());
        out.sort(Comparator.comparing((JsonNode n) -> n.get("started_at").asText()).reversed());
        return out;
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
