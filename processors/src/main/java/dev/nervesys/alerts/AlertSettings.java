package dev.nervesys.alerts;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the alerts (docs/alerts.md), each declared once below with its default. The rules
 * are in config/alerts.yaml; the senders' timeouts and SMTP server are the routes'.
 */
public record AlertSettings(String mailFrom, String consoleUrl) {

    public static final Setting DISPATCH_EVERY = Setting.duration("nervesys.alerts.dispatchEvery", "250ms", ROUTES,
            "how often route alerts-dispatch flushes the alert groups that are due and looks for due deliveries");
    public static final Setting WEBHOOK_TIMEOUT = Setting.duration("nervesys.alerts.webhook.timeout", "10s", ROUTES,
            "webhook connect and response timeout").renamedFrom("nervesys.alerts.webhook.timeoutMs", "ms");
    public static final Setting SMTP_HOST = Setting.text("nervesys.alerts.smtp.host", "localhost", ROUTES,
            "SMTP server of alert mails (credentials: NERVESYS_SMTP_USER / NERVESYS_SMTP_PASSWORD)");
    public static final Setting SMTP_PORT = Setting.integer("nervesys.alerts.smtp.port", "25", "port", ROUTES,
            "SMTP port");
    public static final Setting SMTP_TIMEOUT = Setting.duration("nervesys.alerts.smtp.timeout", "10s", ROUTES,
            "SMTP connection timeout").renamedFrom("nervesys.alerts.smtp.timeoutMs", "ms");
    public static final Setting MAIL_FROM = Setting.text("nervesys.alerts.mail.from", "nervesys@localhost", BEANS,
            "sender of alert mails");

    public static final Setting CONSOLE_URL = Setting.text("nervesys.alerts.consoleUrl", "", BEANS,
            "the agent's console linked from notifications (Alertmanager's generatorURL); empty = "
                    + "http://<nervesys.server>:<camel.management.port>/q/dev/nervesys");

    /** The declarations of {@code nervesys.alerts.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Alerts";
        }

        @Override
        public String page() {
            return "alerts.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(DISPATCH_EVERY, WEBHOOK_TIMEOUT, SMTP_HOST, SMTP_PORT, SMTP_TIMEOUT, MAIL_FROM, CONSOLE_URL);
        }
    }

    public static AlertSettings from(AgentSettings s) {
        String console = s.get(CONSOLE_URL);
        if (console == null || console.isBlank()) {
            console = "http://" + s.server() + ":" + s.find("camel.management.port").orElse("9876") + "/q/dev/nervesys";
        }
        return new AlertSettings(s.get(MAIL_FROM), console);
    }
}
