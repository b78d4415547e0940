package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.ConfigChecks;
import dev.nervesys.testing.RoutesHarness;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest -> classifier -> alerts through the real routes (ingest, classify, alerts, heartbeat),
 * with a real HTTP webhook receiver and GreenMail as the SMTP server.
 */
class AlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    java.nio.file.Path tmp;

    static String alertsYaml(String extra) {
        return """
                dedup_window: 10m
                group_wait: 300ms
                rate_limit: {alerts: 2, per: 1h}
                retry: {attempts: 5, initial: 100ms, max: 200ms}
                channels:
                  hook:
                    type: webhook
                    url_env: TEST_WEBHOOK_URL
                    format: json
                  slack:
                    type: webhook
                    url_env: TEST_SLACK_URL
                    format: slack
                  ops-mail:
                    type: mail
                    to: [ops@example.com]
                rules:
                  - name: all-critical
                    channels: [hook, slack, ops-mail]
                """ + extra;
    }

    RoutesHarness start(String agent, WebhookReceiver hook, WebhookReceiver slack, int ingestPort, Map<String, String> extra) throws Exception {
        RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve(agent), agent);
        s.set("nervesys.ingest.port", String.valueOf(ingestPort)).set("nervesys.ingest.host", "127.0.0.1");
        s.set("nervesys.alerts.smtp.host", "127.0.0.1").set("nervesys.alerts.smtp.port", String.valueOf(mail.getSmtp().getPort()));
        s.set("nervesys.alerts.webhook.timeoutMs", "20000");
        s.env.put("TEST_WEBHOOK_URL", hook.url());
        s.env.put("TEST_SLACK_URL", slack.url());
        s.files.put("config/alerts.yaml", alertsYaml(""));
        extra.forEach(s.props::put);
        if (extra.containsKey("nervesys.postgres.url")) {
            s.env.put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
        }
        return new RoutesHarness(s, Map.of(), "ingest.camel.yaml", "classify.camel.yaml", "alerts.camel.yaml", "heartbeat.camel.yaml");
    }

    static int post(int port, String ndjson) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static String log(String level, String message) {
        return "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"" + level + "\",\"message\":\"" + message + "\"}\n";
    }

    @Test
    void criticalLogBecomesOneDeduplicatedAlertWithRetriesMailAndHistory() throws Exception {
        int port = DataPathHarness.freePort();
        try (WebhookReceiver hook = new WebhookReceiver().answer(500, 500);
             WebhookReceiver slack = new WebhookReceiver();
             RoutesHarness h = start("al-1", hook, slack, port, Map.of())) {
            assertThat(post(port, log("ERROR", "write failed on /dev/sda1: No space left on device")
                    + log("INFO", "request completed in 12 ms"))).isEqualTo(204);
            // the record is annotated in the buffer, so archived annotated
            RecordBuffer buffer = h.bean("recordBuffer");
            List<BufferedRecord> rows = buffer.read(0, 10);
            assertThat(rows).hasSize(2);
            JsonNode first = JSON.readTree(rows.get(0).body());
            assertThat(first.at("/classification/label").asText()).isEqualTo("critical");
            assertThat(first.at("/classification/reason").asText()).startsWith("rule disk-full:");
            assertThat(JSON.readTree(rows.get(1).body()).at("/classification/label").asText()).isEqualTo("normal");

            // webhook answers 500 twice, then 200: delivered on the third attempt
            await().atMost(Duration.ofSeconds(20)).until(() -> hook.answered.contains(200));
            assertThat(hook.answered).containsExactly(500, 500, 200);
            JsonNode payload = JSON.readTree(hook.bodies.get(2));
            assertThat(payload.get("agent_id").asText()).isEqualTo("al-1");
            assertThat(payload.get("rule").asText()).isEqualTo("disk-full");
            assertThat(payload.get("level").asText()).isEqualTo("ERROR");
            assertThat(payload.get("message").asText()).isEqualTo("write failed on /dev/sda1: No space left on device");
            await().atMost(Duration.ofSeconds(20)).until(() -> slack.bodies.size() == 1);
            assertThat(JSON.readTree(slack.bodies.get(0)).get("text").asText()).startsWith(":rotating_light: [critical] al-1 (srv-al-1): write failed");
            await().atMost(Duration.ofSeconds(20)).until(() -> mail.getReceivedMessages().length == 1);
            MimeMessage m = mail.getReceivedMessages()[0];
            assertThat(m.getSubject()).isEqualTo("[nervesys] critical on al-1: write failed on /dev/sda1: No space left on device");
            assertThat(m.getAllRecipients()[0].toString()).isEqualTo("ops@example.com");
            assertThat(GreenMailUtil.getBody(m)).contains("\"rule\" : \"disk-full\"");

            // the same fingerprint (digits masked) twice more: one alert, count 3, nothing sent again
            assertThat(post(port, log("ERROR", "write failed on /dev/sda2: No space left on device")
                    + log("error", "write failed on /dev/sda3: No space left on device"))).isEqualTo(204);
            AlertService alerts = h.bean("alerts");
            await().atMost(Duration.ofSeconds(20)).until(() -> (Long) alerts.status().get("deduplicated") == 2L);
            java.nio.file.Path db = tmp.resolve("al-1/heartbeat/heartbeat.db");
            await().atMost(Duration.ofSeconds(20)).until(() -> historyCount(db).equals("3 sent"));
            assertThat(hook.bodies).hasSize(3);
            assertThat(mail.getReceivedMessages()).hasSize(1);
            // the open alert is in the heartbeat
            await().atMost(Duration.ofSeconds(20)).until(() -> lastBeatAlerts(db).contains("\"count\":3"));
            assertThat(lastBeatAlerts(db)).contains("\"rule\":\"disk-full\"");
        }
    }

    /**
     * Before groups, each of the three alerts was a notification and the third was rate limited; now
     * they are one group (rule fatal-level), one notification carrying all three (the rate limits
     * per group and on groups are tested on a hand clock in AlertGroupingTest).
     */
    @Test
    void alertsOfOneGroupAreOneNotificationAndAHungWebhookNeverBlocksIngest() throws Exception {
        int port = DataPathHarness.freePort();
        try (WebhookReceiver hook = new WebhookReceiver();
             WebhookReceiver slack = new WebhookReceiver();
             RoutesHarness h = start("al-2", hook, slack, port, Map.of())) {
            hook.hold();
            // three different fingerprints of one group (rule fatal-level, agent, label critical)
            assertThat(post(port, log("fatal", "controller A lost") + log("fatal", "pump B lost") + log("fatal", "valve C lost"))).isEqualTo(204);
            await().atMost(Duration.ofSeconds(20)).until(() -> hook.bodies.isEmpty() && (Long) h.<AlertService>bean("alerts").status().get("raised") == 3L);
            // the webhook hangs, the dispatcher waits on it: ingest and classification go on
            for (int i = 0; i < 20; i++) {
                assertThat(post(port, log("info", "routine " + i))).isEqualTo(204);
            }
            AlertService alerts = h.bean("alerts");
            assertThat(alerts.status()).containsEntry("rateLimited", 0L).containsEntry("openGroups", 1L);
            hook.release();
            await().atMost(Duration.ofSeconds(20)).until(() -> hook.bodies.size() == 1);
            JsonNode group = JSON.readTree(hook.bodies.get(0));
            assertThat(group.get("count").asLong()).isEqualTo(3);
            assertThat(group.get("group").get("rule").asText()).isEqualTo("fatal-level");
            assertThat(group.get("samples")).hasSize(3);
            java.nio.file.Path db = tmp.resolve("al-2/heartbeat/heartbeat.db");
            await().atMost(Duration.ofSeconds(20)).until(() -> statuses(db).equals("sent,sent,sent"));
            assertThat(hook.bodies).hasSize(1);
        }
    }

    @Test
    void aSilenceInTheStatusDatabaseHoldsAGroupBackUntilItIsExpired() throws Exception {
        int port = DataPathHarness.freePort();
        try (WebhookReceiver hook = new WebhookReceiver(); WebhookReceiver slack = new WebhookReceiver();
             RoutesHarness h = start("al-si", hook, slack, port, Map.of())) {
            java.nio.file.Path db = tmp.resolve("al-si/heartbeat/heartbeat.db");
            AlertService alerts = h.bean("alerts");
            String id;
            await().atMost(Duration.ofSeconds(20)).until(() -> tableExists(db));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                id = new SilenceStore(c).create(Map.of("rule", "disk-full"), java.time.Instant.now(), Duration.ofHours(2), "ops", "test")
                        .id();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> alerts.activeSilences().size() == 1);
            assertThat(post(port, log("ERROR", "write failed on /dev/sda1: No space left on device"))).isEqualTo(204);
            await().atMost(Duration.ofSeconds(20)).until(() -> statuses(db).equals("silenced"));
            assertThat(hook.bodies).isEmpty();
            assertThat(mail.getReceivedMessages()).isEmpty();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                assertThat(new SilenceStore(c).expire(id, java.time.Instant.now())).isTrue();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> hook.bodies.size() == 1);
            assertThat(JSON.readTree(hook.bodies.get(0)).get("rule").asText()).isEqualTo("disk-full");
            await().atMost(Duration.ofSeconds(20)).until(() -> statuses(db).equals("sent"));
        }
    }

    private static boolean tableExists(java.nio.file.Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM alert_silence")) {
            return rs.next();
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void historyGoesToPostgresWhenConfigured() throws Exception {
        int port = DataPathHarness.freePort();
        try (PgDatabase pg = new PgDatabase(); WebhookReceiver hook = new WebhookReceiver(); WebhookReceiver slack = new WebhookReceiver();
             RoutesHarness h = start("al-pg", hook, slack, port, Map.of("nervesys.postgres.url", pg.url()))) {
            assertThat(post(port, log("ERROR", "Out of memory: killed process 4242"))).isEqualTo(204);
            await().atMost(Duration.ofSeconds(20)).until(() -> pgHistory(pg).equals("out-of-memory 1 sent"));
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT agent_id, label, level, pg_typeof(first_seen)::text, channels FROM alert_history")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("al-pg");
                assertThat(rs.getString(2)).isEqualTo("critical");
                assertThat(rs.getString(3)).isEqualTo("ERROR");
                assertThat(rs.getString(4)).isEqualTo("timestamp with time zone");
                assertThat(rs.getString(5)).isEqualTo("hook,slack,ops-mail");
            }
        }
    }

    private static String pgHistory(PgDatabase pg) {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rule, count, status FROM alert_history")) {
            return rs.next() ? rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3) : "";
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void badAlertRulesAreRejected() {
        assertThat(ConfigChecks.validate(Map.of("config/alerts.yaml", alertsYaml("  - name: x\n    channels: [nowhere]\n"))))
                .singleElement().asString().matches("config/alerts.yaml:\\d+: rule 'x': unknown channel 'nowhere'");
        assertThat(ConfigChecks.validate(Map.of("config/alerts.yaml", "channels:\n  a: {type: pager}\n")))
                .containsExactly("config/alerts.yaml:2: channel type must be webhook, mail or alertmanager, not 'pager'");
        assertThat(ConfigChecks.validate(Map.of("config/alerts.yaml", "dedup_window: soon\n")))
                .singleElement().asString().startsWith("config/alerts.yaml:1: not a duration: 'soon'");
    }

    private static String historyCount(java.nio.file.Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count, status FROM alert_history")) {
            return rs.next() ? rs.getLong(1) + " " + rs.getString(2) : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static String statuses(java.nio.file.Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT group_concat(status, ',') FROM (SELECT status FROM alert_history ORDER BY status)")) {
            return rs.next() && rs.getString(1) != null ? rs.getString(1) : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static String lastBeatAlerts(java.nio.file.Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT alerts FROM agent_status ORDER BY ts DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (Exception e) {
            return "";
        }
    }
}
