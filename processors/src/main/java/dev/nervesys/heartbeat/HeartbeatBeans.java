package dev.nervesys.heartbeat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.common.BuiltinConfig;
import dev.nervesys.common.StatusDatabasePool;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.Sizes;
import dev.nervesys.spi.StatusDatabase;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The heartbeat's beans (docs/heartbeat.md): {@code heartbeat}, {@code heartbeatStore} and the
 * database heartbeats and alert history share, as {@code heartbeatDataSource} (for camel-sql) and
 * {@code statusDatabase} (its schema and back-off, {@link StatusDatabase}: the heartbeat store
 * itself). Last of the data path's providers: a beat reads the figures of the buffer, ingest, the
 * archiver and the alerts, found among the earlier beans by their {@link HeartbeatFigures} types.
 *
 * <p>Reads section {@code status:} of config/thresholds.yaml (the built-in copy when the repo has
 * none) and throws {@code file:line: reason} on a bad one. Settings and the file are read once: a
 * change needs a restart.
 */
public final class HeartbeatBeans implements BeanProvider {

    @Override
    public int order() {
        return HEARTBEAT;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        String thresholdsText = s.configFile(StatusThresholds.FILE).orElseGet(() -> BuiltinConfig.text("thresholds.yaml"));
        YamlNode thresholds = YamlNode.parse(StatusThresholds.FILE, thresholdsText);
        thresholds.allowOnly("status", "classify");
        StatusThresholds status = StatusThresholds.parse(thresholds);

        Map<String, Object> beans = new LinkedHashMap<>();
        HikariDataSource ds = dataSource(s);
        HeartbeatSettings hs = HeartbeatSettings.from(s);
        HeartbeatStore store = new HeartbeatStore(ds, hs.database().dialect(),
                new BeatSpool(s.dataDir().resolve("heartbeat").resolve("spool.db"), hs.spoolMax()),
                hs.batch(), hs.backoffInitial(), hs.backoffMax(), s.clock());
        HeartbeatService heartbeat = new HeartbeatService(s.agentId(), s.server(), s.dataDir(),
                // the route hands the interval to every beat; until the first, the declared default
                Sizes.parseDuration(HeartbeatSettings.INTERVAL.defaultValue()), status, store,
                BeanProvider.ofType(earlier, HeartbeatFigures.Buffer.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Archive.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Ingest.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Alerts.class), s.clock());
        String orchestrator = s.get(HeartbeatSettings.ORCHESTRATOR).strip();
        if (!orchestrator.isEmpty()) {
            store.sendTo(new OrchestratorTarget(orchestrator, s.agentId(), s.secret(OrchestratorTarget.CREDENTIAL_ENV)
                    .orElseThrow(() -> new IllegalArgumentException(HeartbeatSettings.ORCHESTRATOR.key() + " needs the agent's credential in "
                            + OrchestratorTarget.CREDENTIAL_ENV + " (an enrolled agent has it from its grant)"))));
        }
        beans.put("heartbeatDataSource", ds);
        beans.put("heartbeatStore", store);
        beans.put("statusDatabase", store);
        beans.put("heartbeatHealth", new HeartbeatHealthCheck(store, s.clock()));
        beans.put("heartbeat", heartbeat);
        return beans;
    }

    /**
     * The pool heartbeats and alert history share ({@link StatusDatabasePool}), also used by the web
     * console (through {@link StatusDatabase#dataSource()}) and opened by the {@code alerts} commands.
     */
    public static HikariDataSource dataSource(AgentSettings s) {
        HeartbeatSettings hs = HeartbeatSettings.from(s);
        // an orchestrator stores the beats its agents post (POST /v1/heartbeat) over this pool: 2
        // connections capped it near 300 beats/s (docs/benchmarks.md, "Orchestrator at scale")
        int pool = dev.nervesys.spi.Role.orchestrator(s) && s.find(HeartbeatSettings.POOL_SIZE).isEmpty()
                ? ORCHESTRATOR_POOL_SIZE : hs.poolSize();
        return StatusDatabasePool.open(s, hs.database(), "nervesys-heartbeat", pool, hs.connectTimeout(), hs.socketTimeout());
    }

    /** {@code nervesys.postgres.poolSize} of an orchestrator that does not set it. */
    public static final int ORCHESTRATOR_POOL_SIZE = 8;
}
