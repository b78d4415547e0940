package dev.nervesys.heartbeat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.common.Backoff;
import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyState;
import dev.nervesys.spi.Dialect;
import dev.nervesys.spi.StatusDatabase;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code heartbeatStore}: the way from the spool to the database (routes/heartbeat.camel.yaml,
 * route {@code heartbeat-flush}). {@link #pending} hands the oldest spooled beats to the route,
 * which inserts them with camel-sql; {@link #written} removes them from the spool and
 * {@link #failed} backs off. The schema is migrated before the first write and again after a
 * failure (a database that was down at start, or recreated). The flush runs on its own timer
 * thread: a slow or dead database delays beats, never ingest or other routes.
 */
public final class HeartbeatStore implements StatusReporter, Dependency, MeterBinder, AutoCloseable, StatusDatabase {

    public static final String UP_TO = "NervesysHeartbeatUpTo";
    public static final String DIALECT = "NervesysHeartbeatDialect";

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> ROW = new TypeReference<>() {
    };

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final BeatSpool spool;
    private final int batch;
    private final Backoff backoff;
    private volatile boolean schemaReady;
    private volatile int schemaVersion;
    private volatile String lastError;
    private volatile Instant lastWrite;
    private volatile long written;
    private volatile long failuresTotal;
    private final Clock clock;
    private final Instant created;
    private volatile OrchestratorTarget target;

    public HeartbeatStore(HikariDataSource dataSource, Dialect dialect, BeatSpool spool, int batch, Duration backoffInitial,
                          Duration backoffMax) {
        this(dataSource, dialect, spool, batch, backoffInitial, backoffMax, Clock.systemUTC());
    }

    /** @param clock the agent's clock ({@code AgentSettings.clock()}): back-off and the last write's age */
    public HeartbeatStore(HikariDataSource dataSource, Dialect dialect, BeatSpool spool, int batch, Duration backoffInitial,
                          Duration backoffMax, Clock clock) {
        this.dialect = dialect;
        this.clock = clock;
        this.created = clock.instant();
        this.dataSource = dataSource;
        this.spool = spool;
        this.batch = batch;
        this.backoff = new Backoff(backoffInitial, backoffMax, clock);
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    /** The pool heartbeats and the alert history share (the console reads through it too). */
    @Override
    public javax.sql.DataSource dataSource() {
        return dataSource;
    }

    /** Beats go to the orchestrator instead of the database (an enrolled agent; see {@link OrchestratorTarget}). */
    public void sendTo(OrchestratorTarget target) {
        this.target = target;
    }

    /** Route step of heartbeat-flush when the dialect property is {@code orchestrator}: body = the pending beats. */
    @SuppressWarnings("unchecked")
    public void send(Exchange ex) throws Exception {
        target.send(ex.getIn().getBody(List.class));
    }

    public BeatSpool spool() {
        return spool;
    }

    /** Adds a beat (a JSON object of the agent_status columns) to the spool. */
    public void enqueue(Map<String, Object> row) throws Exception {
        spool.add(JSON.writeValueAsString(row));
    }

    /** Migrates the schema once; throws while the database is unreachable. */
    @Override
    public void ensureSchema() throws SQLException {
        if (schemaReady) {
            return;
        }
        // one migration at a time: concurrent first requests (an orchestrator's heartbeat intake) each
        // ran Flyway and took the pool's connections until they all timed out
        synchronized (this) {
            ensureSchemaOnce();
        }
    }

    private void ensureSchemaOnce() throws SQLException {
        if (!schemaReady) {
            schemaVersion = Migrations.apply(dataSource, dialect);
            schemaReady = true;
            LOG.info("heartbeat schema at version {} ({})", schemaVersion, dialect.folder());
        }
    }

    /** True while backing off after a failure: callers skip database work. */
    @Override
    public boolean backingOff() {
        return backoff.waiting();
    }

    /** Route step: body = the oldest spooled beats as column maps (empty while backing off). */
    public List<Map<String, Object>> pending(Exchange ex) throws Exception {
        OrchestratorTarget t = target;
        ex.setProperty(DIALECT, t != null ? "orchestrator" : dialect.folder());
        if (backingOff()) {
            return List.of();
        }
        if (t == null) {
            ensureSchema();
        }
        List<BeatSpool.Entry> entries = spool.peek(batch);
        List<Map<String, Object>> rows = new ArrayList<>(entries.size());
        for (BeatSpool.Entry e : entries) {
            Map<String, Object> row = JSON.readValue(e.json(), ROW);
            row.putIfAbsent("route_stats", null); // beats spooled by a version without the column
            rows.add(row);
        }
        if (!entries.isEmpty()) {
            ex.setProperty(UP_TO, entries.get(entries.size() - 1).seq());
        }
        return rows;
    }

    /** Route step after a successful insert. */
    public void written(Exchange ex) throws SQLException {
        Long upTo = ex.getProperty(UP_TO, Long.class);
        if (upTo != null) {
            List<?> rows = ex.getIn().getBody(List.class);
            spool.remove(upTo);
            written += rows == null ? 0 : rows.size();
            lastWrite = clock.instant();
        }
        succeeded();
    }

    /** Any successful database round trip ends a back-off. */
    public void succeeded() {
        int failures = backoff.reset();
        if (failures > 0) {
            LOG.info("heartbeat database reachable again after {} failed attempt(s)", failures);
        }
        lastError = null;
    }

    /** Route step in doCatch: back off exponentially, keep the beats spooled. */
    @Override
    public void failed(Exchange ex) {
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        failuresTotal++;
        schemaReady = false;
        lastError = describe(cause);
        Duration delay = backoff.failed();
        LOG.warn("heartbeat database write failed ({} in a row), next attempt in {} ms: {}", backoff.failures(),
                delay.toMillis(), lastError);
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    public int consecutiveFailures() {
        return backoff.failures();
    }

    public String lastError() {
        return lastError;
    }

    public String url() {
        return dataSource.getJdbcUrl();
    }

    /** The database's URL without user info or parameters (which may hold a password). */
    String target() {
        String u = dataSource.getJdbcUrl();
        int q = u.indexOf('?');
        return (q < 0 ? u : u.substring(0, q)).replaceAll("//[^/@]*@", "//");
    }

    private long spooled() {
        try {
            return spool.size();
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Seconds since the last beat was written, or since start when none was yet. */
    double lastSuccessAgeSeconds() {
        Instant last = lastWrite == null ? created : lastWrite;
        return Math.max(0, java.time.Duration.between(last, clock.instant()).toMillis() / 1000.0);
    }

    @Override
    public String dependencyName() {
        return "heartbeat";
    }

    /** The {@code heartbeat} dependency: degraded while writes to its database fail; the spool is the backlog. */
    @Override
    public DependencyState dependencyState() {
        Map<String, Number> backlog = Map.of("beats", spooled());
        Instant failingSince = backoff.failingSince();
        if (failingSince == null) {
            return DependencyState.ok("heartbeat", dialect.folder() + " " + target(), backlog);
        }
        return DependencyState.degraded("heartbeat", dialect.folder() + " " + target(),
                "heartbeat database unreachable: " + lastError, failingSince, backlog);
    }

    /** Prometheus: nervesys_heartbeat_* (docs/heartbeat.md, docs/operations.md). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.heartbeat.written", this, h -> h.written)
                .description("Beats written to the heartbeat database").register(registry);
        FunctionCounter.builder("nervesys.heartbeat.failures", this, h -> h.failuresTotal)
                .description("Failed writes to the heartbeat database (the beats stay spooled)").register(registry);
        Gauge.builder("nervesys.heartbeat.last.success.age.seconds", this, HeartbeatStore::lastSuccessAgeSeconds)
                .description("Seconds since a beat was last written (since start when none was)").register(registry);
        Gauge.builder("nervesys.heartbeat.spooled.beats", this, HeartbeatStore::spooled)
                .description("Beats waiting in the local spool for the database").register(registry);
        FunctionCounter.builder("nervesys.heartbeat.spool.dropped", spool, BeatSpool::dropped)
                .description("Oldest spooled beats dropped because the spool was full (nervesys.heartbeat.spoolMax)")
                .register(registry);
    }

    @Override
    public String statusName() {
        return "heartbeat-store";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("database", dialect.folder());
        m.put("url", dataSource.getJdbcUrl());
        m.put("schemaVersion", schemaVersion);
        try {
            m.put("spooled", spool.size());
        } catch (SQLException e) {
            m.put("spooled", -1);
        }
        m.put("spoolDropped", spool.dropped());
        m.put("written", written);
        m.put("lastWrite", lastWrite == null ? null : lastWrite.toString());
        m.put("consecutiveFailures", backoff.failures());
        m.put("lastError", lastError);
        return m;
    }

    @Override
    public void close() throws Exception {
        try {
            spool.close();
        } finally {
            dataSource.close();
        }
    }
}
