package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.testing.HandClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The grouping of alerts on a hand clock (docs/alerts.md, "Groups"): the storm of the issue, with
 * the shipped config/alerts.yaml. Notifications are rendered by the bean's own {@code prepare}.
 */
class AlertGroupingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
    static final String RAID = "RAID array degraded, disk /dev/sdb failed";

    private final HandClock clock = new HandClock(T0);
    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    static String shipped() throws Exception {
        Path p = Path.of("../config/alerts.yaml");
        return Files.readString(Files.exists(p) ? p : Path.of("config/alerts.yaml"));
    }

    AlertService service(String yaml) {
        AlertsConfig config = AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, yaml),
                env -> Optional.of("http://127.0.0.1:1/hook"));
        return new AlertService(config, "a1", "srv-a1", "n@localhost", "http://srv-a1:9876/q/dev/nervesys", clock::instant);
    }

    /** A distinct critical line: the same words, a different short hex id (digits masking alone keeps them apart). */
    static String stormLine(int i) {
        return "database connection pool exhausted, requests are failing (req " + hexId(i) + ")";
    }

    /** A short hex id, distinct per i even with its digits masked: letters a-f in base 6, then a digit. */
    static String hexId(int i) {
        StringBuilder b = new StringBuilder();
        for (int n = i, k = 0; k < 5; k++, n /= 6) {
            b.append((char) ('a' + n % 6));
        }
        return b.append(i % 10).toString();
    }

    static CriticalRecord critical(String message) {
        return new CriticalRecord(Instant.EPOCH, "text", "critical", "ERROR", message, "text: 97% critical");
    }

    /** Runs the dispatcher once: the deliveries due now, rendered and reported as delivered. */
    List<JsonNode> dispatch(AlertService s) throws Exception {
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

    /** The dispatcher's ticks (every 250 ms) from now for this long; all that was sent. */
    List<JsonNode> run(AlertService s, Duration d) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Instant end = clock.instant().plus(d);
        while (!clock.instant().isAfter(end)) {
            out.addAll(dispatch(s));
            clock.advance(Duration.ofMillis(250));
        }
        return out;
    }

    @Test
    void aStormPagesOnceAndANewProblemBesideItPagesWithinGroupWait() throws Exception {
        AlertService s = service(shipped());
        for (int i = 0; i < 500; i++) {
            s.raise(critical(stormLine(i)));
            clock.advance(Duration.ofNanos(80_000)); // 500 lines in 0.04 s
        }
        assertThat(dispatch(s)).isEmpty(); // group_wait collects the siblings
        clock.advance(Duration.ofMillis(10));
        s.raise(critical(RAID));
        Instant raid = clock.instant();

        List<JsonNode> sent = run(s, Duration.ofSeconds(11));
        assertThat(sent).hasSize(2);
        JsonNode storm = sent.get(0);
        assertThat(storm.get("count").asLong()).isEqualTo(500);
        // the shipped max_open_per_group (100): 100 alerts, the other 400 lines folded into the newest
        assertThat(storm.get("alerts").asLong()).isEqualTo(100);
        assertThat(storm.get("folded").asLong()).isEqualTo(400);
        assertThat(storm.get("samples")).hasSize(5);
        assertThat(storm.get("more").asLong()).isEqualTo(495);
        assertThat(storm.get("summary").asText()).contains("(and 495 more of rule=text, agent=a1, label=critical, "
                + "template=database connection pool exhausted, requests are failing (req *))");
        JsonNode disk = sent.get(1);
        assertThat(disk.get("message").asText()).isEqualTo(RAID);
        assertThat(disk.get("count").asLong()).isEqualTo(1);
        // the RAID line paged within group_wait (+ one dispatcher tick) of its arrival
        assertThat(Instant.parse(disk.get("first_seen").asText())).isEqualTo(raid);
        assertThat(s.status()).containsEntry("open", 101L).containsEntry("openGroups", 2L).containsEntry("notifications", 2L)
                .containsEntry("foldedInGroups", 400L).containsEntry("openLines", 501L);

        // the storm goes on: batched every group_interval (5 m), one notification with the news
        for (int i = 500; i < 1000; i++) {
            s.raise(critical(stormLine(i)));
        }
        assertThat(run(s, Duration.ofMinutes(4))).isEmpty();
        List<JsonNode> batch = run(s, Duration.ofMinutes(1));
        assertThat(batch).singleElement().satisfies(n -> {
            assertThat(n.get("count").asLong()).isEqualTo(1000);
            assertThat(n.get("new").asLong()).isEqualTo(500);
        });
        assertThat(s.openCount()).isEqualTo(101);
        assertThat(s.openLines()).isEqualTo(1001);
    }

    /**
     * max_open_per_group: a group holds at most that many open alerts; further lines with a
     * fingerprint of their own are folded into its newest alert, and every line stays counted (the
     * group's count, the alert_history rows' count + folded); a quiet window closes them all, and a
     * repeat of an alert's own line still counts on that alert.
     */
    @Test
    void aGroupKeepsAtMostMaxOpenPerGroupAlertsAndCountsEveryLine() throws Exception {
        AlertService s = service(shipped().replace("max_open_per_group: 100", "max_open_per_group: 10"));
        for (int i = 0; i < 50; i++) {
            s.raise(critical(stormLine(i)));
        }
        s.raise(critical(stormLine(3))); // its own alert is open: deduplicated into it, not folded
        s.raise(critical(RAID));
        assertThat(s.status()).containsEntry("raised", 11L).containsEntry("open", 11L)
                .containsEntry("foldedInGroups", 40L).containsEntry("deduplicated", 1L).containsEntry("openLines", 52L);
        List<java.util.Map<String, Object>> rows = s.historyRows(null);
        assertThat(rows).hasSize(11);
        assertThat(rows.stream().mapToLong(r -> (long) r.get("count") + (long) r.get("folded")).sum()).isEqualTo(52);
        assertThat(rows).filteredOn(r -> ((String) r.get("message")).endsWith(hexId(9) + ")"))
                .singleElement().satisfies(r -> assertThat(r.get("folded")).isEqualTo(40L));
        assertThat(rows).filteredOn(r -> ((String) r.get("message")).endsWith(hexId(3) + ")"))
                .singleElement().satisfies(r -> assertThat(r.get("count")).isEqualTo(2L));

        List<JsonNode> sent = run(s, Duration.ofSeconds(11));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).get("count").asLong()).isEqualTo(51);
        assertThat(sent.get(0).get("alerts").asLong()).isEqualTo(10);
        assertThat(sent.get(0).get("folded").asLong()).isEqualTo(40);
        assertThat(sent.get(0).get("more").asLong()).isEqualTo(45);
        assertThat(sent.get(0).get("summary").asText()).startsWith("51 lines in 10 alerts (40 lines with other messages folded");

        // quiet for the dedup window: everything closes, and the group opens afresh afterwards
        run(s, Duration.ofMinutes(11));
        assertThat(s.openCount()).isZero();
        for (int i = 100; i < 115; i++) {
            s.raise(critical(stormLine(i)));
        }
        assertThat(s.status()).containsEntry("open", 10L).containsEntry("foldedInGroups", 45L).containsEntry("openLines", 15L);
    }

    @Test
    void identicalLinesGiveOneNotification() throws Exception {
        AlertService s = service(shipped());
        for (int i = 0; i < 200; i++) {
            s.raise(critical("kernel panic - not syncing: fatal exception in interrupt"));
        }
        List<JsonNode> sent = run(s, Duration.ofSeconds(12));
        assertThat(sent).singleElement().satisfies(n -> assertThat(n.get("count").asLong()).isEqualTo(200));
        assertThat(s.status()).containsEntry("deduplicated", 199L).containsEntry("open", 1L);
    }

    @Test
    void unchangedGroupRepeatsAndAQuietGroupResolves() throws Exception {
        AlertService s = service(shipped() + "\n");
        s.raise(critical(RAID));
        assertThat(run(s, Duration.ofSeconds(11))).hasSize(1);
        // still seen (dedup window 10 m), nothing new until repeat_interval
        for (int h = 0; h < 4 * 12; h++) {
            s.raise(critical(RAID));
            clock.advance(Duration.ofMinutes(5));
            assertThat(dispatch(s)).allSatisfy(n -> assertThat(n.get("new").asLong()).isPositive());
        }
        // quiet for the dedup window: resolved
        List<JsonNode> end = run(s, Duration.ofMinutes(11));
        assertThat(end).last().satisfies(n -> assertThat(n.get("status").asText()).isEqualTo("resolved"));
        assertThat(s.openGroups()).isZero();
        assertThat(s.openCount()).isZero();

        AlertService quiet = service(shipped());
        quiet.raise(critical(RAID));
        assertThat(run(quiet, Duration.ofSeconds(11))).hasSize(1);
        quiet.raise(critical(RAID));
        // the second line is news: it goes out at group_interval; then nothing until repeat_interval
        assertThat(run(quiet, Duration.ofMinutes(5))).singleElement()
                .satisfies(n -> assertThat(n.get("repeat").asBoolean()).isFalse());
    }

    @Test
    void repeatIntervalRepeatsAnUnchangedOpenGroup() throws Exception {
        AlertService s = service(shipped().replace("dedup_window: 10m", "dedup_window: 24h"));
        s.raise(critical(RAID));
        assertThat(run(s, Duration.ofSeconds(11))).hasSize(1);
        // notified at T0 + 10 s, the clock is at T0 + 11.25 s
        clock.advance(Duration.ofHours(4).minusSeconds(2));
        assertThat(dispatch(s)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(dispatch(s)).singleElement().satisfies(n -> {
            assertThat(n.get("repeat").asBoolean()).isTrue();
            assertThat(n.get("summary").asText()).startsWith("still firing: 1 line of ");
        });
    }

    @Test
    void rateLimitsHoldBackPerGroupAndSayHowMuchButNeverANewGroup() throws Exception {
        AlertService s = service(shipped().replace("rate_limit: {alerts: 12, groups: 30, per: 1h}",
                "rate_limit: {alerts: 1, groups: 2, per: 1h}").replace("group_interval: 5m", "group_interval: 1m")
                .replace("dedup_window: 10m", "dedup_window: 2h"));
        s.raise(critical(stormLine(0)));
        assertThat(run(s, Duration.ofSeconds(11))).hasSize(1);
        for (int i = 1; i <= 472; i++) {
            s.raise(critical(stormLine(i)));
        }
        // the storm group had its one notification of the hour: held back, counted
        assertThat(run(s, Duration.ofMinutes(2))).isEmpty();
        assertThat(s.status()).containsEntry("rateLimited", 472L);
        // a new problem still pages within group_wait (the ceiling counts groups: 2)
        s.raise(critical(RAID));
        assertThat(run(s, Duration.ofSeconds(11))).singleElement()
                .satisfies(n -> assertThat(n.get("message").asText()).isEqualTo(RAID));
        // a third group is over the ceiling of 2 groups per hour: held back until the window frees
        s.raise(critical("power supply failure detected on PSU 2"));
        assertThat(run(s, Duration.ofSeconds(11))).isEmpty();
        // an hour after the storm's notification (T0 + 10 s): it says what was held back
        clock.set(T0.plus(Duration.ofHours(1)).plusSeconds(10));
        assertThat(run(s, Duration.ofSeconds(1))).singleElement().satisfies(n -> {
            assertThat(n.get("held_back").asLong()).isEqualTo(472);
            assertThat(n.get("count").asLong()).isEqualTo(473);
            assertThat(n.get("summary").asText()).contains("472 more lines of rule=text")
                    .contains("held back by the rate limit since 2026-01-05T10:01:10");
        });
        // the third group goes out when the RAID group's hour is over (the ceiling counts groups in the window)
        clock.set(T0.plus(Duration.ofHours(1)).plusSeconds(180));
        assertThat(run(s, Duration.ofSeconds(1))).singleElement()
                .satisfies(n -> assertThat(n.get("message").asText()).startsWith("power supply failure"));
    }

    @Test
    void openCountsAreExactBeyondTheHeartbeatListAndMemory() throws Exception {
        // max_open (memory) below the per-group cap: the eviction of open alerts is what this tests
        AlertService s = service(shipped().replace("dedup_window: 10m", "dedup_window: 10m\nmax_open: 100")
                .replace("max_open_per_group: 100", "max_open_per_group: 10000")
                .replace("group_by: [rule, agent, label, template]", "group_by: [rule, agent, label]"));
        for (int i = 0; i < 502; i++) {
            s.raise(critical("fan failure, system temperature rising, sensor " + hexId(i)));
        }
        assertThat(s.openAlerts()).hasSize(50);
        assertThat(s.openCount()).isEqualTo(502);
        assertThat(s.openGroups()).isEqualTo(1);
        assertThat(s.status()).containsEntry("open", 502L).containsEntry("openGroups", 1L).containsEntry("openLines", 502L);
        // a storm entry the classifier's queue folded 1,000 lines into: one more alert, 1,001 more lines
        s.raise(critical("fan failure, system temperature rising, sensor " + hexId(600)).withCoalesced(1000));
        assertThat(s.openCount()).isEqualTo(503);
        assertThat(s.openLines()).isEqualTo(1503);
        // the heartbeat's status reason and figures say 503 (1,503 lines), not the 50 of its alerts column
        dev.nervesys.heartbeat.HeartbeatService beat = new dev.nervesys.heartbeat.HeartbeatService("a1", "srv-a1",
                Path.of("."), Duration.ofMinutes(1),
                dev.nervesys.heartbeat.StatusThresholds.parse(YamlNode.parse("config/thresholds.yaml",
                        "status:\n  open_alerts: {degraded: 20}\n")),
                null, null, null, null, s, clock);
        java.util.Map<String, Object> row = beat.snapshot(null, clock.instant());
        assertThat(row.get("status_reason").toString()).contains("open_alerts 503 >= 20");
        JsonNode metrics = JSON.readTree(row.get("metrics").toString());
        assertThat(metrics.get("open_alerts").asLong()).isEqualTo(503);
        assertThat(metrics.get("open_alert_groups").asLong()).isEqualTo(1);
        assertThat(metrics.get("open_alert_lines").asLong()).isEqualTo(1503);
        assertThat(JSON.readTree(row.get("alerts").toString())).hasSize(50);
    }

    @Test
    void aSilenceHoldsAGroupBackAndItsExpiryLetsItThrough() throws Exception {
        AlertService s = service(shipped());
        java.util.Map<String, Object> row = new java.util.HashMap<>();
        row.put("id", "s1");
        row.put("matchers", "{\"template\": \"" + AlertGroups.template(RAID) + "\"}");
        row.put("starts_at", T0.toString());
        row.put("ends_at", T0.plus(Duration.ofHours(2)).toString());
        row.put("created_by", "ops");
        row.put("created_at", T0.toString());
        s.silences(List.of(row));
        s.raise(critical(RAID));
        s.raise(critical("kernel panic - not syncing: fatal exception in interrupt"));
        // the other group goes out; the silenced one is recorded, not sent
        assertThat(run(s, Duration.ofSeconds(11))).singleElement()
                .satisfies(n -> assertThat(n.get("message").asText()).startsWith("kernel panic"));
        assertThat(s.historyRows(null)).anySatisfy(r -> {
            assertThat(r).containsEntry("message", RAID).containsEntry("status", "silenced");
        });
        assertThat(s.status()).containsEntry("silencedGroups", 1L);
        assertThat(s.activeSilences()).singleElement().satisfies(si -> assertThat(si.createdBy()).isEqualTo("ops"));
        s.raise(critical(RAID));
        assertThat(run(s, Duration.ofMinutes(5))).noneSatisfy(n -> assertThat(n.get("message").asText()).isEqualTo(RAID));
        // expired (the CLI sets expired_at; the route reads only rows not expired): through at the next tick
        s.silences(List.of());
        assertThat(run(s, Duration.ofSeconds(1))).singleElement().satisfies(n -> {
            assertThat(n.get("message").asText()).isEqualTo(RAID);
            assertThat(n.get("count").asLong()).isEqualTo(2);
        });
        assertThat(s.activeSilences()).isEmpty();
    }

    @Test
    void aNewProblemKeepsItsAlertWhenAStormFillsMemory() throws Exception {
        // max_open (memory) below the per-group cap: the eviction of open alerts is what this tests
        AlertService s = service(shipped().replace("dedup_window: 10m", "dedup_window: 10m\nmax_open: 100")
                .replace("max_open_per_group: 100", "max_open_per_group: 10000"));
        for (int i = 0; i < 300; i++) {
            s.raise(critical(stormLine(i)));
        }
        s.raise(critical(RAID));
        for (int i = 300; i < 5000; i++) {
            s.raise(critical(stormLine(i)));
        }
        List<JsonNode> sent = run(s, Duration.ofSeconds(11));
        assertThat(sent).hasSize(2).anySatisfy(n -> assertThat(n.get("message").asText()).isEqualTo(RAID))
                .anySatisfy(n -> assertThat(n.get("count").asLong()).isEqualTo(5000));
        assertThat(s.openCount()).isEqualTo(5001);
        assertThat(s.status()).containsEntry("evicted", 4901L);
    }

    @Test
    void templateMasksWordsWithDigits() {
        assertThat(AlertGroups.template("Disk /dev/sdb1 failed at 12:30 (req 3fa2b1)")).isEqualTo("disk * failed at * (req *)");
        assertThat(AlertGroups.template(RAID)).isEqualTo("raid array degraded, disk /dev/sdb failed");
        assertThat(AlertGroups.template("requests are failing (req fdbbea)")).isEqualTo("requests are failing (req *)");
    }
}
