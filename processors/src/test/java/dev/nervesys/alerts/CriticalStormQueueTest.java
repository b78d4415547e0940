package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.classify.ClassifierConfig;
import dev.nervesys.classify.CriticalQueue;
import dev.nervesys.classify.CriticalRecords;
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

    /** A distinct message template per i: words of letters g-z only, which no masking touches. */
    static String distinctTemplate(int i) {
        StringBuilder w = new StringBuilder();
        for (int n = i, k = 0; k < 4; k++, n /= 20) {
            w.append((char) ('g' + n % 20));
        }
        return "worker " + w + " lost its lease";
    }

    private static byte[] line(String level, String message) {
        return ("{\"level\":\"" + level + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static final String THREE_RULES = "classify:\n  rules:\n"
            + "    - {name: disk, level: \">= error\", pattern: \"RAID\"}\n"
            + "    - {name: thermal, level: \">= error\", pattern: \"temperature\"}\n"
            + "    - {name: errors, level: \">= error\"}\n";

    @Test
    void farMoreDistinctKeysThanTheQueueHoldsAreHeldBackByGroupAndEveryLineIsAccountedFor() throws Exception {
        // the built-in group_by (rule, agent, label): lines of distinct templates are distinct keys of one group
        String yaml = AlertGroupingTest.shipped().replace("group_by: [rule, agent, label, template]", "group_by: [rule, agent, label]");
        assertThat(yaml).contains("group_by: [rule, agent, label]\n");
        AlertService alerts = new AlertService(AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, yaml),
                env -> Optional.of("http://127.0.0.1:1/hook")), "a1", "srv-a1", "n@localhost", clock::instant);
        Map<String, Object> silence = new java.util.HashMap<>();
        silence.put("id", "s-thermal");
        silence.put("matchers", "{\"rule\": \"thermal\"}");
        silence.put("starts_at", clock.instant().toString());
        silence.put("ends_at", clock.instant().plus(Duration.ofHours(2)).toString());
        silence.put("created_by", "ops");
        silence.put("created_at", clock.instant().toString());
        alerts.silences(List.of(silence));
        CriticalQueue q = new CriticalQueue(ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", THREE_RULES),
                p -> Optional.empty()), 100, clock, CriticalRecords.HELD_GROUPS, alerts);

        // nothing drains the queue (of 100) while 20,000 lines of 20,000 distinct templates arrive, 1,000
        // silenced thermal lines among them, and the RAID line in the middle
        int storm = 20_000;
        int thermal = 0;
        for (int i = 0; i < storm; i++) {
            if (i == storm / 2) {
                q.classifier.inspect(RecordKind.LOG, line("ERROR", AlertGroupingTest.RAID));
            }
            if (i % 20 == 7) {
                q.classifier.inspect(RecordKind.LOG, line("ERROR", "temperature sensor " + distinctTemplate(i) + " above limit"));
                thermal++;
            }
            q.classifier.inspect(RecordKind.LOG, line("ERROR", distinctTemplate(i)));
            clock.advance(Duration.ofNanos(100_000));
        }
        long in = storm + thermal + 1L;
        Map<String, Object> status = q.classifier.status();
        // 50 plain entries, then 50 of distinct keys under pressure: full; the rest is held back by group
        assertThat(status).containsEntry("critical", in).containsEntry("criticalDropped", 0L)
                .containsEntry("criticalQueued", 100).containsEntry("criticalCoalesced", 0L)
                .containsEntry("criticalHeld", in - 100).containsEntry("criticalOverflow", 0L);

        List<CriticalRecord> taken = q.drain();
        // the 100 queued entries, then one held entry per group: errors, thermal, disk
        assertThat(taken).hasSize(103);
        assertThat(taken.stream().mapToLong(r -> 1 + r.coalesced()).sum()).isEqualTo(in);
        assertThat(taken.stream().filter(r -> r.message().equals(AlertGroupingTest.RAID)))
                .singleElement().satisfies(r -> assertThat(r.coalesced()).isZero());
        Instant raidRaised = clock.instant();
        alerts.raise(taken);

        List<JsonNode> sent = new ArrayList<>();
        while (clock.instant().isBefore(raidRaised.plusSeconds(11))) {
            sent.addAll(dispatch(alerts));
            clock.advance(Duration.ofMillis(250));
        }
        // the storm and the RAID line page once each, within group_wait (+ one tick); thermal is silenced
        assertThat(sent).hasSize(2);
        JsonNode raid = sent.stream().filter(n -> n.get("message").asText().equals(AlertGroupingTest.RAID)).findFirst().orElseThrow();
        assertThat(raid.get("count").asLong()).isEqualTo(1);
        assertThat(Instant.parse(raid.get("first_seen").asText())).isEqualTo(raidRaised);
        JsonNode errors = sent.stream().filter(n -> n != raid).findFirst().orElseThrow();
        assertThat(errors.get("group").get("rule").asText()).isEqualTo("errors");
        assertThat(errors.get("count").asLong()).isEqualTo(storm);
        assertThat(errors.get("held_back").asLong()).isEqualTo(errors.get("coalesced").asLong()).isPositive();
        assertThat(errors.get("summary").asText()).contains("held back by the classifier's queue under pressure");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) alerts.status().get("groups");
        Map<String, Object> silenced = groups.stream().filter(g -> "s-thermal".equals(g.get("silencedBy"))).findFirst().orElseThrow();
        // every line accounted for: sent one by one + held back (folded) + silenced = in
        long sentLines = 0;
        long heldBack = 0;
        for (JsonNode n : sent) {
            sentLines += n.get("count").asLong() - n.get("held_back").asLong();
            heldBack += n.get("held_back").asLong();
        }
        assertThat(sentLines + heldBack + (long) silenced.get("count")).isEqualTo(in);
        assertThat((long) silenced.get("count")).isEqualTo(thermal);
        // and alert_history holds them exactly: each row stands for count + folded lines
        long rows = 0;
        long lines = 0;
        for (Map<String, Object> r : alerts.historyRows(null)) {
            rows++;
            lines += (long) r.get("count") + (long) r.get("folded");
        }
        assertThat(rows).isLessThan(in);
        assertThat(lines).isEqualTo(in);
    }

    @Test
    void pastTheBoundOfHeldGroupsOneOverflowEntryReportsTheRestAndNothingIsDropped() throws Exception {
        // shipped grouping (template): every template its own group; a ceiling above their number (not under test here)
        String yaml = AlertGroupingTest.shipped().replace("rate_limit: {alerts: 12, groups: 30, per: 1h}",
                "rate_limit: {alerts: 12, groups: 1000, per: 1h}");
        assertThat(yaml).contains("groups: 1000");
        AlertService alerts = new AlertService(AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, yaml),
                env -> Optional.of("http://127.0.0.1:1/hook")), "a1", "srv-a1", "n@localhost", clock::instant);
        CriticalQueue q = new CriticalQueue(ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", THREE_RULES),
                p -> Optional.empty()), 100, clock, 8, alerts);
        // 1,000 lines of one storm template fill half the queue; then 60 templates x 50 lines, the RAID
        // line among the first held groups, then a new problem after the bound: into the overflow
        int in = 0;
        for (int i = 0; i < 1000; i++, in++) {
            q.classifier.inspect(RecordKind.LOG, line("ERROR", AlertGroupingTest.stormLine(i)));
        }
        for (int round = 0; round < 50; round++) {
            for (int t = 0; t < 60; t++, in++) {
                q.classifier.inspect(RecordKind.LOG, line("ERROR", distinctTemplate(t)));
                if (round == 0 && t == 50) {
                    q.classifier.inspect(RecordKind.LOG, line("ERROR", AlertGroupingTest.RAID));
                    in++;
                }
            }
            clock.advance(Duration.ofMillis(10));
        }
        q.classifier.inspect(RecordKind.LOG, line("ERROR", "kernel panic - not syncing: fatal exception"));
        in++;
        Map<String, Object> status = q.classifier.status();
        // 50 storm entries, 1 folded storm entry, 49 templates' entries: full; then 8 held groups (templates
        // 49 and 50, the RAID line, templates 51-55), then the overflow (templates 56-59 and the kernel panic)
        assertThat(status).containsEntry("critical", (long) in).containsEntry("criticalDropped", 0L).containsEntry("criticalQueued", 100);
        long held = (long) status.get("criticalHeld");
        long overflow = (long) status.get("criticalOverflow");
        assertThat(overflow).isEqualTo(4 * 50 + 1);
        assertThat(held).isEqualTo(7 * 50 + 1 + overflow);
        List<CriticalRecord> taken = q.drain();
        assertThat(taken).hasSize(100 + 8 + 1);
        assertThat(taken.stream().mapToLong(r -> 1 + r.coalesced()).sum()).isEqualTo(in);
        // the take hands on every queued entry, then the held ones: one per held group, then the overflow entry
        assertThat(taken.subList(0, 100)).noneSatisfy(r -> assertThat(r.message()).isEqualTo(AlertGroupingTest.RAID));
        assertThat(taken.subList(100, 108)).anySatisfy(r -> assertThat(r.message()).isEqualTo(AlertGroupingTest.RAID));
        CriticalRecord last = taken.get(108);
        assertThat(last.message()).isEqualTo("classifier's queue full: " + overflow + " critical lines of 5 groups held back");
        assertThat(last.coalesced()).isEqualTo(overflow - 1);
        assertThat(last.reason()).contains("first held back: " + distinctTemplate(56));

        Instant raised = clock.instant();
        alerts.raise(taken);
        List<JsonNode> sent = new ArrayList<>();
        while (clock.instant().isBefore(raised.plusSeconds(11))) {
            sent.addAll(dispatch(alerts));
            clock.advance(Duration.ofMillis(250));
        }
        // every group pages within group_wait: the storm, the 56 templates queued or held, RAID, and the overflow entry
        assertThat(sent).hasSize(1 + 56 + 1 + 1);
        assertThat(sent).anySatisfy(n -> assertThat(n.get("message").asText()).isEqualTo(AlertGroupingTest.RAID));
        JsonNode over = sent.stream().filter(n -> n.get("message").asText().startsWith("classifier's queue full")).findFirst().orElseThrow();
        assertThat(over.get("count").asLong()).isEqualTo(overflow);
        assertThat(over.get("held_back").asLong()).isEqualTo(overflow - 1);
        assertThat(over.get("group").get("template").asText()).isEqualTo("classifier's queue full: * critical lines of * groups held back");
        assertThat(sent.stream().mapToLong(n -> n.get("count").asLong()).sum()).isEqualTo(in);
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
