package dev.nervesys.orchestrator;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.Role;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The orchestrator's beans (docs/orchestrator.md), made only in the orchestrator role
 * ({@code nervesys.role=orchestrator}); an agent gets none. {@code orchestratorStore} (tokens,
 * agents, audit in PostgreSQL), {@code orchestratorGroups} (config/groups/*.properties of every
 * applied revision), {@code orchestratorMirror} (the config repo mirror served to agents) and
 * {@code orchestratorApi} (enrollment), {@code orchestratorFleetApi} (the fleet API, admin tokens of
 * NERVESYS_ORCHESTRATOR_API_TOKENS). The database pool connects on first use, the schema is
 * migrated then (Flyway).
 */
public final class OrchestratorBeans implements BeanProvider {

    @Override
    public Map<String, Object> beans(AgentSettings s) {
        if (!Role.orchestrator(s)) {
            return Map.of();
        }
        OrchestratorSettings os = OrchestratorSettings.from(s);
        HikariConfig c = new HikariConfig();
        c.setPoolName("nervesys-orchestrator");
        c.setJdbcUrl(OrchestratorSettings.jdbcUrl(s));
        s.secret("NERVESYS_POSTGRES_USER").ifPresent(c::setUsername);
        s.secret("NERVESYS_POSTGRES_PASSWORD").ifPresent(c::setPassword);
        // 8 for requests and checks, 1 held by the change feed (LISTEN)
        c.setMaximumPoolSize(9);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(5_000);
        c.addDataSourceProperty("ApplicationName", "nervesys-orchestrator-" + s.agentId());
        HikariDataSource ds = new HikariDataSource();
        c.copyStateTo(ds);

        OrchestratorStore store = new OrchestratorStore(ds, s.clock());
        store.listen();
        Groups groups = new Groups(s::secret);
        Rollouts rollouts = new Rollouts(store, Canary.parse(s.get(OrchestratorSettings.ROLLOUT_CANARY)),
                s.getDuration(OrchestratorSettings.ROLLOUT_SOAK), s.clock());
        ConfigMirror mirror = new ConfigMirror(os, s.dataDir().resolve("orchestrator").resolve("config.git"),
                s.secret(OrchestratorSettings.UPSTREAM_TOKEN_ENV).orElse(null), store, rollouts, s.clock());
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("orchestratorDataSource", ds);
        beans.put("orchestratorStore", store);
        beans.put("orchestratorGroups", groups);
        beans.put("orchestratorRollouts", rollouts);
        beans.put("orchestratorMirror", mirror);
        beans.put("orchestratorApi", new OrchestratorApi(store, groups, mirror));
        beans.put("orchestratorWait", new LongPoll(store, rollouts, mirror, s.clock()));
        beans.put("orchestratorFleetApi", new FleetApi(s.secret(ApiTokens.ENV).orElse(null), store, rollouts, mirror, s.clock()));
        beans.put("orchestratorTls", OrchestratorTls.from(s, store, s.clock()));
        beans.put("orchestratorWebhook", new Webhook(s.secret(Webhook.SECRET_ENV).orElse(null), mirror));
        return beans;
    }
}
