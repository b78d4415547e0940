package dev.nervesys.bench.alerts;

import dev.nervesys.alerts.AlertService;
import dev.nervesys.alerts.WebhookReceiver;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.testing.RoutesHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The alert path under an error storm (docs/benchmarks.md, "Alerts in a storm"): the real routes
 * (ingest, classify, alerts, heartbeat) with the repository's config/alerts.yaml and a webhook
 * receiver. One run posts {@code lines} critical lines (distinct: each ends in its own hex id)
 * as fast as ingest takes them, in batches of 1,000; the reference run posts the same lines to the
 * same agent without the alert path (routes ingest and heartbeat only: every line is classified the
 * same, the critical ones are counted as dropped at the classifier's hand-off). Halfway through the storm one new, unrelated critical line
 * (the RAID line) is posted; its notification's delay is the latency of a new group. Rounds
 * alternate reference and storm. Usage, from processors/:
 * {@code java -cp $CP dev.nervesys.bench.alerts.AlertStormBench /tmp/storm 100000 2}.
 */
public final class AlertStormBench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String RAID = "RAID array degraded, disk /dev/sdb failed";

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path root = Path.of(System.getProperty("nervesys.root", ".."));
        String alertsYaml = Files.readString(root.resolve("config/alerts.yaml"));
        for (int round = 0; round < rounds; round++) {
            for (boolean storm : new boolean[] {false, true}) {
                run(work.resolve("r" + round + (storm ? "-storm" : "-ref")), alertsYaml, lines, storm, round);
            }
        }
    }

    static void run(Path dir, String alertsYaml, int lines, boolean storm, int round) throws Exception {
        int port = DataPathHarness.freePort();
        try (WebhookReceiver hook = new WebhookReceiver()) {
            RoutesHarness.Settings s = new RoutesHarness.Settings(dir, "storm-agent");
            s.set("nervesys.ingest.port", String.valueOf(port)).set("nervesys.ingest.host", "127.0.0.1");
            s.set("nervesys.heartbeat.interval", "60s").set("nervesys.heartbeat.flushEvery", "5s");
            s.set("nervesys.alerts.dispatchEvery", "250ms");
            s.set("nervesys.ingest.rateLimit", "100000000");
            s.env.put("NERVESYS_ALERTS_WEBHOOK_URL", hook.url());
            s.files.put("config/alerts.yaml", alertsYaml);
            String[] routes = storm ? new String[] {"ingest.camel.yaml", "classify.camel.yaml", "alerts.camel.yaml", "heartbeat.camel.yaml"}
                    : new String[] {"ingest.camel.yaml", "heartbeat.camel.yaml"};
            try (RoutesHarness h = new RoutesHarness(s, Map.of(), routes)) {
                List<String> batches = new ArrayList<>();
                for (int b = 0; b < lines / 1000; b++) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = b * 1000; i < (b + 1) * 1000; i++) {
                        String msg = "database connection pool exhausted, requests are failing (req " + Integer.toHexString(0x100000 + i * 7919) + ")";
                        sb.append("{\"timestamp\":\"2026-12-03T07:00:01Z\",\"level\":\"").append("ERROR")
                                .append("\",\"message\":\"").append(msg).append("\"}\n");
                    }
                    batches.add(sb.toString());
                }
                long raidAt = 0;
                long t0 = System.nanoTime();
                for (int b = 0; b < batches.size(); b++) {
                    post(port, batches.get(b));
                    if (b == batches.size() / 2) {
                        post(port, "{\"timestamp\":\"2026-12-03T07:00:02Z\",\"level\":\"ERROR\",\"message\":\"" + RAID + "\"}\n");
                        raidAt = System.nanoTime();
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                String rate = String.format("%,.0f lines/s (%d lines in %.2f s)", lines / seconds, lines, seconds);
                if (!storm) {
                    System.out.printf("round %d reference (same lines, no alert path): %s%n", round, rate);
                    return;
                }
                long raidSeen = 0;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline && raidSeen == 0) {
                    for (String body : hook.bodies) {
                        if (body.contains(RAID)) {
                            raidSeen = System.nanoTime();
                        }
                    }
                    Thread.sleep(20);
                }
                Thread.sleep(2000); // the storm group's own group_wait ends too
                AlertService alerts = h.bean("alerts");
                Map<String, Object> a = alerts.status();
                Map<String, Object> c = h.<dev.nervesys.spi.StatusReporter>bean("classifier").status();
                System.out.printf("round %d with alerts: %s; RAID notification after %.2f s; webhook calls %d; "
                                + "alerts %s, open %s, groups %s, deduplicated %s, critical records dropped by the classifier's queue %s, "
                                + "folded under pressure %s, held back while full %s (overflow %s), reported as held back by the alerts: %s; "
                                + "open lines %s of %d critical%n",
                        round, rate, raidSeen == 0 ? -1 : (raidSeen - raidAt) / 1e9, hook.bodies.size(),
                        a.get("raised"), a.get("open"), a.get("openGroups"), a.get("deduplicated"),
                        c.get("criticalDropped"), c.get("criticalCoalesced"), c.get("criticalHeld"), c.get("criticalOverflow"),
                        a.get("coalesced"), a.get("openLines"), lines + 1);
            }
        }
    }

    static void post(int port, String ndjson) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
        }
    }
}
