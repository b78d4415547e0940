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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 *
 * <p>Paced mode (fourth argument {@code paced}), the storm as issue 18 defines it: the same critical
 * lines spread evenly over 10 s (one batch of 1,000 every 10 s / batches, 10,000 lines/s for 100,000),
 * the RAID line at 5 s, beside a background load of ordinary INFO lines that a second client posts as
 * fast as ingest takes them (batches of 1,000). The figure is the background's ingest rate during
 * the 10 s with the alert path on against the same run with it off (same storm, same pace): what a
 * storm of this size costs the agent's other traffic. Odd rounds run the alert path first, even rounds
 * the reference first. {@code ... AlertStormBench /tmp/storm 100000 4 paced}.
 */
public final class AlertStormBench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String RAID = "RAID array degraded, disk /dev/sdb failed";

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        boolean paced = args.length > 3 && args[3].equals("paced");
        Path root = Path.of(System.getProperty("nervesys.root", ".."));
        String alertsYaml = Files.readString(root.resolve("config/alerts.yaml"));
        for (int round = 0; round < rounds; round++) {
            // paced: odd rounds run the alert path first, so the JIT's warm-up (which favours the later run of a pair) cancels out
            boolean[] order = paced && round % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true};
            for (boolean storm : order) {
                Path dir = work.resolve("r" + round + (storm ? "-storm" : "-ref"));
                if (paced) {
                    runPaced(dir, alertsYaml, lines, storm, round);
                } else {
                    run(dir, alertsYaml, lines, storm, round);
                }
            }
        }
    }

    static RoutesHarness.Settings settings(Path dir, String alertsYaml, int port, WebhookReceiver hook) {
        RoutesHarness.Settings s = new RoutesHarness.Settings(dir, "storm-agent");
        s.set("nervesys.ingest.port", String.valueOf(port)).set("nervesys.ingest.host", "127.0.0.1");
        s.set("nervesys.heartbeat.interval", "60s").set("nervesys.heartbeat.flushEvery", "5s");
        s.set("nervesys.alerts.dispatchEvery", "250ms");
        s.set("nervesys.ingest.rateLimit", "100000000");
        s.env.put("NERVESYS_ALERTS_WEBHOOK_URL", hook.url());
        s.files.put("config/alerts.yaml", alertsYaml);
        return s;
    }

    static String[] routes(boolean storm) {
        return storm ? new String[] {"ingest.camel.yaml", "classify.camel.yaml", "alerts.camel.yaml", "heartbeat.camel.yaml"}
                : new String[] {"ingest.camel.yaml", "heartbeat.camel.yaml"};
    }

    /** Batches of 1,000 distinct critical lines (each ends in its own hex id), the storm of both modes. */
    static List<String> stormBatches(int lines) {
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
        return batches;
    }

    static final String RAID_LINE = "{\"timestamp\":\"2026-12-03T07:00:02Z\",\"level\":\"ERROR\",\"message\":\"" + RAID + "\"}\n";

    /** Seconds from {@code raidAt} until a webhook body names the RAID line (-1: none within 60 s). */
    static double awaitRaid(WebhookReceiver hook, long raidAt) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String body : hook.bodies) {
                if (body.contains(RAID)) {
                    return (System.nanoTime() - raidAt) / 1e9;
                }
            }
            Thread.sleep(20);
        }
        return -1;
    }

    /**
     * One paced run: the storm's batches at an even pace over {@link #PACED_SECONDS}, the RAID line at
     * half time, and the background client posting ordinary lines as fast as ingest takes them for
     * the same window. Prints the background's rate (the figure), the storm's pace as achieved, and
     * for the run with alerts the RAID latency, notifications and the accounting of every line.
     */
    static void runPaced(Path dir, String alertsYaml, int lines, boolean storm, int round) throws Exception {
        int port = DataPathHarness.freePort();
        List<String> batches = stormBatches(lines);
        List<String> background = new ArrayList<>();
        for (int b = 0; b < 64; b++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                sb.append("{\"timestamp\":\"2026-12-03T07:00:01Z\",\"level\":\"INFO\",\"message\":\"GET /api/items/")
                        .append(b * 1000 + i).append(" answered 200 in ").append(i % 97).append(" ms\"}\n");
            }
            background.add(sb.toString());
        }
        try (WebhookReceiver hook = new WebhookReceiver();
                RoutesHarness h = new RoutesHarness(settings(dir, alertsYaml, port, hook), Map.of(), routes(storm))) {
            HttpClient other = HttpClient.newHttpClient();
            long window = PACED_SECONDS * 1_000_000_000L;
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong bgLines = new AtomicLong();
            AtomicLong bgEnd = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            Thread bg = new Thread(() -> {
                try {
                    go.await();
                    for (int b = 0; !stop.get(); b++) {
                        post(other, port, background.get(b % background.size()));
                        bgLines.addAndGet(1000);
                    }
                    bgEnd.set(System.nanoTime());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "background-load");
            bg.start();
            String loadBefore = load();
            Map<Long, Long> cpuBefore = threadCpu();
            long processCpuBefore = processCpu();
            long t0 = System.nanoTime();
            go.countDown();
            long raidAt = 0;
            long maxLate = 0;
            for (int b = 0; b < batches.size(); b++) {
                long due = t0 + window * b / batches.size();
                long now = System.nanoTime();
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                } else {
                    maxLate = Math.max(maxLate, now - due);
                }
                post(HTTP, port, batches.get(b));
                if (b == batches.size() / 2) {
                    post(HTTP, port, RAID_LINE);
                    raidAt = System.nanoTime();
                }
            }
            long stormDone = System.nanoTime();
            long end = t0 + window;
            if (end > System.nanoTime()) {
                LockSupport.parkNanos(end - System.nanoTime());
            }
            stop.set(true);
            bg.join();
            double bgSeconds = (bgEnd.get() - t0) / 1e9;
            long processCpu = processCpu() - processCpuBefore;
            long alertCpu = alertPathCpu(cpuBefore);
            String rate = String.format("load %s-%s; background %,.0f lines/s (%,d lines in %.2f s); storm %,d lines posted in %.2f s (latest batch %.0f ms behind its slot); "
                            + "process CPU %,d ms, alert path threads %,d ms (%.1f %%)",
                    loadBefore, load(), bgLines.get() / bgSeconds, bgLines.get(), bgSeconds, lines, (stormDone - t0) / 1e9, maxLate / 1e6,
                    processCpu / 1_000_000, alertCpu / 1_000_000, 100.0 * alertCpu / Math.max(1, processCpu));
            Map<String, Object> c = h.<dev.nervesys.spi.StatusReporter>bean("classifier").status();
            if (!storm) {
                System.out.printf("round %d reference (alert path off): %s; classified %s, critical %s%n",
                        round, rate, c.get("classified"), c.get("critical"));
                return;
            }
            double raid = awaitRaid(hook, raidAt);
            Thread.sleep(2000); // the storm group's own group_wait ends too
            c = h.<dev.nervesys.spi.StatusReporter>bean("classifier").status();
            Map<String, Object> a = h.<AlertService>bean("alerts").status();
            System.out.printf("round %d with alerts: %s; RAID notification after %.2f s; webhook calls %d; "
                            + "classified %s (posted %d), critical %s; alerts %s, open %s, groups %s, deduplicated %s, "
                            + "dropped %s, folded %s, held %s (overflow %s), reported held back %s; open lines %s of %d critical%n",
                    round, rate, raid, hook.bodies.size(), c.get("classified"), bgLines.get() + lines + 1, c.get("critical"),
                    a.get("raised"), a.get("open"), a.get("openGroups"), a.get("deduplicated"),
                    c.get("criticalDropped"), c.get("criticalCoalesced"), c.get("criticalHeld"), c.get("criticalOverflow"),
                    a.get("coalesced"), a.get("openLines"), lines + 1);
        }
    }

    static final long PACED_SECONDS = 10;

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time of every live thread now, by id (ns). */
    static Map<Long, Long> threadCpu() {
        Map<Long, Long> m = new java.util.HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            m.put(id, THREADS.getThreadCpuTime(id));
        }
        return m;
    }

    /**
     * CPU time (ns) the alert path's own threads used since {@code before}: the consumer of
     * seda:critical-records and the alerts timers (dispatch, history, silences). What the ingest
     * threads spend handing records over is in theirs (not separable here).
     */
    static long alertPathCpu(Map<Long, Long> before) {
        long sum = 0;
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null || !(t.getThreadName().contains("critical-records") || t.getThreadName().contains("timer://alerts"))) {
                continue;
            }
            long now = THREADS.getThreadCpuTime(t.getThreadId());
            sum += Math.max(0, now - before.getOrDefault(t.getThreadId(), 0L));
        }
        return sum;
    }

    /** CPU time (ns) of this whole JVM: the agent's routes, the bench's two HTTP clients and the rest. */
    static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The machine's load average over 1 minute (Linux), printed beside each paced figure: the machine is shared. */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "n/a";
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
            try (RoutesHarness h = new RoutesHarness(s, Map.of(), routes(storm))) {
                List<String> batches = stormBatches(lines);
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
        post(HTTP, port, ndjson);
    }

    static void post(HttpClient client, int port, String ndjson) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
        }
    }
}
