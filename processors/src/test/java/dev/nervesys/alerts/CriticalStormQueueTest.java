package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.classify.ClassifierConfig;
import dev.nervesys.classify.CriticalQueue;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.testing.HandClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The classifier's hand-off to the alerts under a storm (docs/classify.md, "The hand-off under
 * pressure"; docs/alerts.md, "Storms"), on a hand clock: the real classifier, its real seda queue
 * and the alert service with the shipped config/alerts.yaml; the queue is drained the way route
 * classify-critical takes it.
 */
class CriticalStormQueueTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULES = "classify:\n  rules:\n    - {name: errors, level: \">= error\"}\n";

    private final HandClock clock = new HandClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    private static byte[] line(String message) {
        return ("{\"level\":\"ERROR\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aStormThatFillsTheQueueNeverDropsANewProblemAndCountsWhatItFolded() throws Exception {
        CriticalQueue q = new CriticalQueue(ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", RULES),
                p -> Optional.empty()), 100, clock);
        // the alert path is stalled (nothing takes from the queue) while 20,000 distinct lines of one
        // template arrive, the RAID line in the middle of them
        int storm = 20_000;
        for (int i = 0; i < storm; i++) {
            if (i == storm / 2) {
                q.classifier.inspect(RecordKind.LOG, line(AlertGroupingTest.RAID));
            }
            q.classifier.inspect(RecordKind.LOG, line(AlertGroupingTest.stormLine(i)));
            clock.advance(Duration.ofNanos(100_000)); // 20,000 lines in 2 s
        }
        Map<String, Object> status = q.classifier.status();
        // 50 plain entries fill half the queue; then one entry of the storm's key and one of the RAID key
        assertThat(status).containsEntry("critical", (long) storm + 1).containsEntry("criticalDropped", 0L)
                .containsEntry("criticalQueued", 52).containsEntry("criticalCoalesced", (long) storm - 51);

        AlertService alerts = new AlertService(AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, AlertGroupingTest.shipped()),
                env -> Optional.of("http://127.0.0.1:1/hook")), "a1", "srv-a1", "n@localhost", clock::instant);
        List<CriticalRecord> taken = q.drain();
        assertThat(taken).hasSize(52);
        assertThat(taken.stream().filter(r -> r.message().equals(AlertGroupingTest.RAID)))
                .singleElement().satisfies(r -> assertThat(r.coalesced()).isZero());
        assertThat(taken.stream().mapToLong(r -> 1 + r.coalesced()).sum()).isEqualTo(storm + 1L);
        Instant raidRaised = clock.instant();
        alerts.raise(taken);
        assertThat(q.drain()).isEmpty();

        List<JsonNode> sent = new ArrayList<>();
        while (sent.size() < 2 && clock.instant().isBefore(raidRaised.plusSeconds(11))) {
            sent.addAll(dispatch(alerts));
            clock.advance(Duration.ofMillis(250));
        }
        assertThat(sent).hasSize(2);
        JsonNode raid = sent.stream().filter(n -> n.get("message").asText().equals(AlertGroupingTest.RAID)).findFirst().orElseThrow();
        assertThat(raid.get("count").asLong()).isEqualTo(1);
        assertThat(raid.get("held_back").asLong()).isZero();
        // the new problem paged within group_wait (+ one dispatcher tick) of reaching the alerts
        assertThat(clock.instant()).isBeforeOrEqualTo(raidRaised.plusSeconds(10).plusMillis(500));
        JsonNode group = sent.stream().filter(n -> n != raid).findFirst().orElseThrow();
        assertThat(group.get("count").asLong()).isEqualTo(storm);
        assertThat(group.get("alerts").asLong()).isEqualTo(51);
        assertThat(group.get("held_back").asLong()).isEqualTo(storm - 51);
        assertThat(group.get("coalesced").asLong()).isEqualTo(storm - 51);
        assertThat(group.get("summary").asText()).contains("; " + (storm - 51) + " more lines of rule=errors, agent=a1, "
                + "label=critical, template=database connection pool exhausted, requests are failing (req *) held back by "
                + "the classifier's queue under pressure since ");
        assertThat(alerts.status()).containsEntry("coalesced", (long) storm - 51).containsEntry("rateLimited", 0L);

        // the storm goes on after the drain: its next notification counts exactly the lines since
        int more = 300;
        for (int i = storm; i < storm + more; i++) {
            q.classifier.inspect(RecordKind.LOG, line(AlertGroupingTest.stormLine(i)));
        }
        alerts.raise(q.drain());
        clock.advance(Duration.ofMinutes(5)); // group_interval
        List<JsonNode> next = dispatch(alerts);
        assertThat(next).singleElement().satisfies(n -> {
            assertThat(n.get("count").asLong()).isEqualTo(storm + more);
            assertThat(n.get("new").asLong()).isEqualTo(more);
            assertThat(n.get("held_back").asLong()).isEqualTo(more - 51);
        });
    }

    private List<JsonNode> dispatch(AlertService s) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (AlertService.Delivery d : s.due()) {
            Exchange ex = new DefaultExchange(camel);
            ex.getIn().setBody(d);
            s.prepare(ex);
            out.add(JSON.readTree(ex.getIn().getBody(String.class)));
            s.delivered(ex);
        }
        return out;
    }
}
