package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.testing.RoutesHarness;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storm of issue 18 through the real routes (ingest, classify, alerts): a webhook receiver,
 * GreenMail and a real Prometheus Alertmanager each receive what they should. The grouping's timing
 * is tested on a hand clock (AlertGroupingTest); here the clock is the wall's, and group_wait (3 s)
 * leaves a loaded machine the time to classify the 501 lines before the first notification. The
 * shipped max_open_per_group (100) applies: Alertmanager gets 101 alerts for the 501 lines.
 */
class AlertmanagerChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path tmp;

    @Test
    void stormAndRaidLineReachWebhookMailAndAlertmanager() throws Exception {
        int port = DataPathHarness.freePort();
        try (AlertmanagerProcess am = new AlertmanagerProcess(tmp.resolve("am"));
             WebhookReceiver hook = new WebhookReceiver()) {
            RoutesHarness.Settings s = new RoutesHarness.Settings(tmp.resolve("agent"), "am-1");
            s.set("nervesys.ingest.port", String.valueOf(port)).set("nervesys.ingest.host", "127.0.0.1");
            s.set("nervesys.alerts.smtp.host", "127.0.0.1").set("nervesys.alerts.smtp.port", String.valueOf(mail.getSmtp().getPort()));
            s.env.put("TEST_WEBHOOK_URL", hook.url());
            s.files.put("config/alerts.yaml", """
                    dedup_window: 6s
                    group_by: [rule, agent, label, template]
                    group_wait: 3s
                    channels:
                      hook: {type: webhook, url_env: TEST_WEBHOOK_URL}
                      ops-mail: {type: mail, to: ops@example.com}
                      am: {type: alertmanager, url: %s}
                    rules:
                      - name: every-critical
                        channels: [hook, ops-mail, am]
                    """.formatted(am.url()));
            try (RoutesHarness h = new RoutesHarness(s, Map.of(), "ingest.camel.yaml", "classify.camel.yaml",
                    "alerts.camel.yaml", "heartbeat.camel.yaml")) {
                StringBuilder storm = new StringBuilder();
                for (int i = 0; i < 500; i++) {
                    storm.append(AlertsTest.log("ERROR", AlertGroupingTest.stormLine(i)));
                }
                assertThat(AlertsTest.post(port, storm + AlertsTest.log("ERROR", AlertGroupingTest.RAID))).isEqualTo(204);

                // the webhook: one notification for the storm group, one for the RAID line
                await().atMost(Duration.ofSeconds(20)).until(() -> hook.bodies.size() >= 2);
                List<JsonNode> firing = new ArrayList<>();
                for (String b : hook.bodies.subList(0, 2)) {
                    firing.add(JSON.readTree(b));
                }
                assertThat(firing).anySatisfy(n -> {
                    assertThat(n.get("status").asText()).isEqualTo("firing");
                    assertThat(n.get("count").asLong()).isEqualTo(500);
                    assertThat(n.get("summary").asText()).contains("and 495 more of rule=text, agent=am-1");
                });
                assertThat(firing).anySatisfy(n -> {
                    assertThat(n.get("message").asText()).isEqualTo(AlertGroupingTest.RAID);
                    assertThat(n.get("count").asLong()).isEqualTo(1);
                });
                // GreenMail: the same two
                await().atMost(Duration.ofSeconds(20)).until(() -> mail.getReceivedMessages().length >= 2);
                List<String> subjects = new ArrayList<>();
                for (MimeMessage m : mail.getReceivedMessages()) {
                    subjects.add(m.getSubject());
                }
                assertThat(subjects.subList(0, 2)).anyMatch(x -> x.startsWith("[nervesys] critical on am-1: database connection pool exhausted")
                        && x.endsWith("(+499 more)")).contains("[nervesys] critical on am-1: " + AlertGroupingTest.RAID);

                // Alertmanager: every alert (the storm group's first 100 = max_open_per_group, the newest
                // standing for the 400 lines folded into it), with labels, annotations and the agent's console
                await().atMost(Duration.ofSeconds(20)).until(() -> agentAlerts(am).size() == 101);
                List<JsonNode> alerts = agentAlerts(am);
                assertThat(alerts).allSatisfy(a -> {
                    assertThat(a.at("/labels/alertname").asText()).isEqualTo("text");
                    assertThat(a.at("/labels/severity").asText()).isEqualTo("critical");
                    assertThat(a.at("/labels/server").asText()).isEqualTo("srv-am-1");
                    assertThat(a.at("/status/state").asText()).isEqualTo("active");
                    assertThat(a.get("generatorURL").asText()).isEqualTo("http://srv-am-1:9876/q/dev/nervesys");
                });
                assertThat(alerts).anySatisfy(a -> assertThat(a.at("/annotations/summary").asText()).isEqualTo(AlertGroupingTest.RAID));
                assertThat(alerts).filteredOn(a -> a.at("/annotations/folded").isTextual())
                        .singleElement().satisfies(a -> assertThat(a.at("/annotations/folded").asText()).isEqualTo("400"));
                JsonNode groups = JSON.readTree(am.get("/api/v2/alerts/groups"));
                assertThat(groups).anySatisfy(g -> {
                    assertThat(g.at("/labels/agent").asText()).isEqualTo("am-1");
                    assertThat(g.at("/labels/alertname").asText()).isEqualTo("text");
                    assertThat(g.get("alerts")).hasSize(101);
                });

                // quiet for the dedup window: both groups resolve, on the webhook and in Alertmanager
                await().atMost(Duration.ofSeconds(30)).until(() -> hook.bodies.stream()
                        .filter(b -> b.contains("\"status\":\"resolved\"")).count() == 2);
                await().atMost(Duration.ofSeconds(20)).until(() -> agentAlerts(am).isEmpty());
                assertThat(hook.bodies).hasSize(4);
                assertThat(h.<AlertService>bean("alerts").status()).containsEntry("open", 0L).containsEntry("openGroups", 0L);
            }
        }
    }

    /** The active alerts of agent am-1 in Alertmanager. */
    static List<JsonNode> agentAlerts(AlertmanagerProcess am) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : JSON.readTree(am.get("/api/v2/alerts?filter=agent%3D%22am-1%22"))) {
            out.add(a);
        }
        return out;
    }
}
