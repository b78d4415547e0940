package dev.nervesys.alerts;

import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The alerts' beans (docs/alerts.md): {@code alerts}, {@code alertsHealth} and
 * {@code alertsMailAuthenticator}. Reads config/alerts.yaml once (no channels when the repo has
 * none): a change needs a restart. The alert history goes to the heartbeat's database through
 * beans {@code statusDatabase} and {@code heartbeatDataSource}, which routes/alerts.camel.yaml
 * names; nothing here depends on them.
 */
public final class AlertsBeans implements BeanProvider {

    @Override
    public int order() {
        return ALERTS;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s) throws Exception {
        AlertsConfig config = s.configFile(AlertsConfig.FILE)
                .map(text -> AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, text), s::secret))
                .orElseGet(AlertsConfig::defaults);
        AlertSettings settings = AlertSettings.from(s);
        AlertService alerts = new AlertService(config, s.agentId(), s.server(), settings.mailFrom(),
                settings.consoleUrl(), s.clock()::instant);
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("alerts", alerts);
        beans.put("alertsHealth", new AlertsHealthCheck(alerts, s.clock()));
        beans.put("alertsMailAuthenticator", new MailCredentials(s.secret("NERVESYS_SMTP_USER").orElse(null),
                s.secret("NERVESYS_SMTP_PASSWORD").orElse(null)));
        return beans;
    }
}
