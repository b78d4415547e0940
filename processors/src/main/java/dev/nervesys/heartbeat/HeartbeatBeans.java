package dev.nervesys.heartbeat;

import com.zaxxer.hikari.HikariConfig;
import dev.nervesys.common.BuiltinConfig;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.Dialect;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.StatusDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
        LazyDataSource ds = dataSource(s);
        HeartbeatStore store = new HeartbeatStore(ds,
                new BeatSpool(s.dataDir().resolve("heartbeat").resolve("spool.db"), s.getInt("nervesys.heartbeat.spoolMax", 10080)),
                s.getInt("nervesys.heartbeat.batch", 500),
                s.getDuration("nervesys.heartbeat.backoffInitial", Duration.ofSeconds(5)),
                s.getDuration("nervesys.heartbeat.backoffMax", Duration.ofMinutes(5)));
        HeartbeatService heartbeat = new HeartbeatService(s.agentId(), s.server(), s.dataDir(),
                s.getDuration("nervesys.heartbeat.interval", Duration.ofSeconds(60)), status, store,
                BeanProvider.ofType(earlier, HeartbeatFigures.Buffer.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Archive.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Ingest.class),
                BeanProvider.ofType(earlier, HeartbeatFigures.Alerts.class));
        beans.put("heartbeatDataSource", ds);
        beans.put("heartbeatStore", store);
        beans.put("statusDatabase", store);
        beans.put("heartbeat", heartbeat);
        return beans;
    }

    static LazyDataSource dataSource(AgentSettings s) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("nervesys-heartbeat");
        c.setInitializationFailTimeout(-1);
        String url = s.get("nervesys.postgres.url", "").trim();
        if (!url.isEmpty()) {
            c.setJdbcUrl(jdbcUrl(url));
            s.secret("NERVESYS_POSTGRES_USER").ifPresent(c::setUsername);
            s.secret("NERVESYS_POSTGRES_PASSWORD").ifPresent(c::setPassword);
            Duration connect = s.getDuration("nervesys.postgres.connectTimeout", Duration.ofSeconds(5));
            c.setConnectionTimeout(Math.max(250, connect.toMillis()));
            c.setMaximumPoolSize(s.getInt("nervesys.postgres.poolSize", 2));
            c.setMinimumIdle(0);
            c.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, connect.toSeconds())));
            c.addDataSourceProperty("socketTimeout",
                    String.valueOf(Math.max(1, s.getDuration("nervesys.postgres.socketTimeout", Duration.ofSeconds(30)).toSeconds())));
            c.addDataSourceProperty("ApplicationName", "nervesys-" + s.agentId());
            return new LazyDataSource(c, Dialect.POSTGRES);
        }
        Path file = s.find("nervesys.heartbeat.sqliteFile").map(Path::of)
                .orElse(s.dataDir().resolve("heartbeat").resolve("heartbeat.db"));
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + file.getParent(), e);
        }
        c.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
        c.setMaximumPoolSize(1);
        c.setConnectionTimeout(30_000);
        return new LazyDataSource(c, Dialect.SQLITE);
    }

    /** Accepts jdbc:postgresql://..., postgresql://... and postgres://... (without credentials). */
    public static String jdbcUrl(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        if (url.startsWith("postgres://")) {
            return "jdbc:postgresql://" + url.substring("postgres://".length());
        }
        return "jdbc:" + url;
    }
}
