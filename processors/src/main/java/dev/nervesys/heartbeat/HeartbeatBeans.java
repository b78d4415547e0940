package dev.nervesys.heartbeat;

import com.zaxxer.hikari.HikariConfig;
import dev.nervesys.alerts.AlertService;
import dev.nervesys.alerts.AlertsConfig;
import dev.nervesys.alerts.MailCredentials;
import dev.nervesys.archive.Archiver;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.classify.Classifier;
import dev.nervesys.classify.ClassifierConfig;
import dev.nervesys.classify.CriticalRecords;
import dev.nervesys.ingest.IngestService;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.StatusReporter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Beans of issue 5 (docs/heartbeat.md, classify.md, alerts.md): {@code heartbeatDataSource},
 * {@code heartbeatStore}, {@code heartbeat}, {@code classifier} (registered as an inspector on the
 * {@code ingest} bean) with {@code criticalRecords}, its hand-off to the alert path, {@code alerts}, {@code alertsHealth} and {@code alertsMailAuthenticator}. One provider because the
 * heartbeat reports the alerts and the alert history shares the heartbeat's database.
 *
 * <p>Reads config/thresholds.yaml and config/alerts.yaml of the revision (built-in defaults when the
 * repo has none) and throws {@code file:line: reason} on a bad one. Settings and these files are
 * read once: a change needs a restart.
 */
public final class HeartbeatBeans implements BeanProvider {

    static final String BUILTIN_THRESHOLDS = "heartbeat/thresholds-builtin.yaml";

    /** After the data path (10): it registers on {@code ingest} and reads the buffer's figures. */
    @Override
    public int order() {
        return 20;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        String thresholdsText = s.configFile(StatusThresholds.FILE).orElseGet(HeartbeatBeans::builtinThresholds);
        YamlNode thresholds = YamlNode.parse(StatusThresholds.FILE, thresholdsText);
        thresholds.allowOnly("status", "classify");
        StatusThresholds status = StatusThresholds.parse(thresholds);
        ClassifierConfig classify = ClassifierConfig.parse(thresholds, s::configFile);
        AlertsConfig alertsConfig = s.configFile(AlertsConfig.FILE)
                .map(text -> AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, text), s::secret))
                .orElseGet(AlertsConfig::defaults);

        Map<String, Object> beans = new LinkedHashMap<>();
        LazyDataSource ds = dataSource(s);
        HeartbeatStore store = new HeartbeatStore(ds,
                new BeatSpool(s.dataDir().resolve("heartbeat").resolve("spool.db"), s.getInt("nervesys.heartbeat.spoolMax", 10080)),
                s.getInt("nervesys.heartbeat.batch", 500),
                s.getDuration("nervesys.heartbeat.backoffInitial", Duration.ofSeconds(5)),
                s.getDuration("nervesys.heartbeat.backoffMax", Duration.ofMinutes(5)), s.clock());
        AlertService alerts = new AlertService(alertsConfig, s.agentId(), s.server(),
                s.get("nervesys.alerts.mail.from", "nervesys@localhost"), s.clock()::instant);
        CriticalRecords criticalRecords = new CriticalRecords();
        Classifier classifier = new Classifier(classify, criticalRecords, s.clock());
        if (s.getBoolean("nervesys.classify.enabled", true) && earlier.get("ingest") instanceof IngestService ingest) {
            ingest.addInspector(classifier);
        }
        HeartbeatService heartbeat = new HeartbeatService(s.agentId(), s.server(), s.dataDir(),
                s.getDuration("nervesys.heartbeat.interval", Duration.ofSeconds(60)), status, store,
                earlier.get("recordBuffer") instanceof RecordBuffer b ? b : null,
                earlier.get("archiver") instanceof Archiver a ? a : null,
                earlier.get("ingest") instanceof StatusReporter r ? r : null, alerts, s.clock());
        beans.put("heartbeatDataSource", ds);
        beans.put("heartbeatStore", store);
        beans.put("heartbeatHealth", new HeartbeatHealthCheck(store, s.clock()));
        beans.put("heartbeat", heartbeat);
        beans.put("classifier", classifier);
        beans.put("criticalRecords", criticalRecords);
        beans.put("alerts", alerts);
        beans.put("alertsHealth", new dev.nervesys.alerts.AlertsHealthCheck(alerts, s.clock()));
        beans.put("alertsMailAuthenticator", new MailCredentials(s.secret("NERVESYS_SMTP_USER").orElse(null),
                s.secret("NERVESYS_SMTP_PASSWORD").orElse(null)));
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

    static String builtinThresholds() {
        try (InputStream in = HeartbeatBeans.class.getClassLoader().getResourceAsStream(BUILTIN_THRESHOLDS)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
