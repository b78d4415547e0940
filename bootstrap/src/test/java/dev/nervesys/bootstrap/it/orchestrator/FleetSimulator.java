package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Simulated agents for bench/fanout.sh (docs/benchmarks.md, "Orchestrator at scale"), run in their own
 * JVM(s), apart from the orchestrator. Two modes:
 *
 * <p>{@code agents BASE TOKEN FROM TO}: enrolls agents {@code sim-FROM} .. {@code sim-(TO-1)} with the
 * token ({@code POST /v1/enroll}), then runs each as {@code reload.OrchestratorWatch} and the agent's
 * JGit source do: hold {@code GET /v1/wait?have=<its commit>}; when answered {@code changed}, fetch
 * over Git smart HTTP with its own credential (the ref advertisement, then {@code git-upload-pack}
 * with {@code want <new>}, {@code have <previous>} and the capabilities JGit sends) and wait again.
 * Prints {@code ALL <commit> <epoch ms of the last agent's fetch> <agents>} once every agent of this
 * process has fetched a commit, and a summary line of failures every 10 s when any.
 *
 * <p>{@code agents BASE TOKEN FROM TO CREDENTIALS_FILE}: as above, and writes each agent's id and
 * credential to the file ({@code id credential} a line) for the {@code posts} mode.
 *
 * <p>{@code posts BASE CREDENTIALS_FILES RATE SECONDS CONNECTIONS}: heartbeats as enrolled agents without a
 * database send them: {@code POST /v1/heartbeat} with the agent's own basic auth and one beat (a
 * JSON array of one agent_status row, what an agent flushes once a minute), RATE per second on a fixed
 * schedule for SECONDS, the agents taken in turn from the files (comma-separated), CONNECTIONS
 * requests at a time; prints the rate achieved and how far the answers fell behind the schedule.
 *
 * <p>{@code beats JDBC_URL RATE SECONDS CONNECTIONS AGENTS}: the database alone: inserts heartbeat rows
 * into agent_status with the agents' own statement (db/heartbeat/postgres/insert-agent-status.sql),
 * RATE per second on a fixed schedule for SECONDS over CONNECTIONS connections, and prints the rate
 * achieved and how far the inserts fell behind the schedule (the backlog).
 */
public final class FleetSimulator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEAD = Pattern.compile("([0-9a-f]{40}) refs/heads/main");
    /** What JGit 6/7 asks for in a v0 fetch (BasePackFetchConnection). */
    private static final String CAPS = " multi_ack_detailed no-done side-band-64k thin-pack no-progress ofs-delta agent=JGit/7.0.0";

    private FleetSimulator() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("beats")) {
            beats(args[1], Double.parseDouble(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        } else if (args[0].equals("posts")) {
            posts(args[1], args[2], Double.parseDouble(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        } else {
            agents(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), args.length > 5 ? args[5] : null);
        }
    }

    private record Sim(String id, String auth) {
    }

    private static void agents(String base, String token, int from, int to, String credentialsFile) throws Exception {
        int n = to - from;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool)
                .connectTimeout(Duration.ofSeconds(30)).build();
        Sim[] sims = new Sim[n];
        long t0 = System.nanoTime();
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<Void>> enrolls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            inFlight.acquire();
            enrolls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/enroll"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\",\"host\":\"sim-" + (from + k) + "\"}"))
                            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString())
                    .thenAccept(r -> {
                        inFlight.release();
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("enroll: HTTP " + r.statusCode() + " " + r.body());
                        }
                        try {
                            JsonNode g = JSON.readTree(r.body());
                            sims[k] = new Sim(g.get("agentId").asText(), basic(g.get("agentId").asText(), g.get("credential").asText()));
                            if (credentialsFile != null) {
                                synchronized (FleetSimulator.class) {
                                    java.nio.file.Files.writeString(java.nio.file.Path.of(credentialsFile),
                                            g.get("agentId").asText() + " " + g.get("credential").asText() + "\n",
                                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                                }
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
        }
        CompletableFuture.allOf(enrolls.toArray(CompletableFuture[]::new)).join();
        System.out.printf("enrolled %d in %.2f s%n", n, (System.nanoTime() - t0) / 1e9);
        System.out.flush();

        Map<String, AtomicInteger> fetched = new ConcurrentHashMap<>();
        Map<String, AtomicLong> last = new ConcurrentHashMap<>();
        AtomicLong failures = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor();
        Agent.Done done = (commit, packBytes) -> {
            bytes.addAndGet(packBytes);
            long now = System.currentTimeMillis();
            last.computeIfAbsent(commit, c -> new AtomicLong()).accumulateAndGet(now, Math::max);
            if (fetched.computeIfAbsent(commit, c -> new AtomicInteger()).incrementAndGet() == n) {
                System.out.printf("ALL %s %d %d %d%n", commit, last.get(commit).get(), n, bytes.get());
                System.out.flush();
            }
        };
        for (Sim s : sims) {
            new Agent(http, base, s, done, failures, retry).waitFor(null);
        }
        long reported = 0;
        while (true) {
            Thread.sleep(10_000);
            long f = failures.get();
            if (f != reported) {
                System.out.printf("FAILURES %d%n", f);
                System.out.flush();
                reported = f;
            }
        }
    }

    /** One simulated agent: long-poll, fetch on change, long-poll again. */
    private static final class Agent {
        interface Done {
            void fetched(String commit, int packBytes);
        }

        private final HttpClient http;
        private final String base;
        private final Sim sim;
        private final Done done;
        private final AtomicLong failures;
        private final ScheduledExecutorService retry;

        Agent(HttpClient http, String base, Sim sim, Done done, AtomicLong failures, ScheduledExecutorService retry) {
            this.http = http;
            this.base = base;
            this.sim = sim;
            this.done = done;
            this.failures = failures;
            this.retry = retry;
        }

        void waitFor(String have) {
            http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/wait?have=" + (have == null ? "" : have)))
                            .header("Authorization", sim.auth()).timeout(Duration.ofSeconds(60)).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .thenCompose(r -> {
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("wait: HTTP " + r.statusCode() + " " + r.body());
                        }
                        JsonNode a;
                        try {
                            a = JSON.readTree(r.body());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        if (!a.path("changed").asBoolean()) {
                            return CompletableFuture.completedFuture(have);
                        }
                        return fetch(have);
                    })
                    .whenComplete((now, e) -> {
                        if (e != null) {
                            if (failures.incrementAndGet() <= 3) {
                                System.out.println("ERROR " + e);
                                System.out.flush();
                            }
                            retry.schedule(() -> waitFor(have), 1, TimeUnit.SECONDS);
                        } else {
                            waitFor(now);
                        }
                    });
        }

        /** The agent's Git fetch: ref advertisement, then one upload-pack request (want the head, have ours, done). */
        private CompletableFuture<String> fetch(String have) {
            return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/git/config/info/refs?service=git-upload-pack"))
                            .header("Authorization", sim.auth()).build(), HttpResponse.BodyHandlers.ofString())
                    .thenCompose(refs -> {
                        Matcher m = HEAD.matcher(refs.body());
                        if (refs.statusCode() != 200 || !m.find()) {
                            throw new IllegalStateException("info/refs: HTTP " + refs.statusCode());
                        }
                        String want = m.group(1);
                        if (want.equals(have)) {
                            return CompletableFuture.completedFuture(have);
                        }
                        String body = pkt("want " + want + CAPS + "\n") + "0000" + (have == null ? "" : pkt("have " + have + "\n"))
                                + pkt("done\n");
                        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/git/config/git-upload-pack"))
                                        .header("Authorization", sim.auth())
                                        .header("Content-Type", "application/x-git-upload-pack-request")
                                        .header("Accept", "application/x-git-upload-pack-result")
                                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofByteArray()).thenApply(pack -> {
                            byte[] b = pack.body();
                            if (pack.statusCode() != 200 || !contains(b, "PACK")) {
                                throw new IllegalStateException("upload-pack: HTTP " + pack.statusCode());
                            }
                            done.fetched(want, b.length);
                            return want;
                        });
                    });
        }
    }

    private static boolean contains(byte[] b, String s) {
        return new String(b, 0, Math.min(b.length, 4096), StandardCharsets.ISO_8859_1).contains(s);
    }

    private static String pkt(String line) {
        return String.format("%04x", line.length() + 4) + line;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Heartbeats through the orchestrator: RATE requests/s on a fixed schedule, one beat each, CONNECTIONS at a time. */
    private static void posts(String base, String files, double rate, int seconds, int connections) throws Exception {
        List<String[]> agents = new ArrayList<>();
        for (String f : files.split(",")) {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(f))) {
                if (!line.isBlank()) {
                    agents.add(line.trim().split(" ", 2));
                }
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
        Instant base0 = Instant.now().plusSeconds(7200).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        schedule("posts (POST /v1/heartbeat, one beat a request)", rate, seconds, connections, () -> k -> {
            String[] a = agents.get(k % agents.size());
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("agent_id", a[0]);
            row.put("server", a[0]);
            row.put("ts", base0.plusMillis(k / agents.size() * 60_000L + k % 1000).toString());
            row.put("status", "healthy");
            row.put("status_reason", null);
            row.put("metrics", "{\"cpu\":12.5,\"memory\":41.0,\"disk\":63.2,\"load1\":0.4,\"heapUsed\":81234567,\"threads\":58}");
            row.put("alerts", "[]");
            row.put("last_action", null);
            row.put("uptime_seconds", 3600L);
            row.put("config_revision", "0123456789abcdef0123456789abcdef01234567");
            row.put("config_rejected_revision", null);
            row.put("config_rejected_error", null);
            row.put("buffer_rows", 42L);
            row.put("buffer_dropped", 0L);
            row.put("archive_lag_seconds", 30L);
            row.put("ingest_rate", 10.0);
            row.put("agent_version", "0.1.0");
            row.put("interval_seconds", 60);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/heartbeat"))
                    .header("Authorization", basic(a[0], a[1])).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(List.of(row)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().contains("\"stored\":1")) {
                throw new IllegalStateException("heartbeat: HTTP " + r.statusCode() + " " + r.body());
            }
        });
    }

    /** One unit of work of {@link #schedule}: the k-th beat. */
    private interface Beat {
        void send(int k) throws Exception;
    }

    /** Opens what a worker needs (a connection), returns how it sends a beat. */
    private interface Worker {
        Beat open() throws Exception;
    }

    /**
     * RATE beats/s on a fixed schedule for SECONDS, taken by WORKERS threads; prints what was written,
     * the rate and the backlog (queue at the schedule's end, largest lag of an answer behind its slot).
     */
    private static void schedule(String what, double rate, int seconds, int workersCount, Worker worker) throws Exception {
        int total = (int) Math.round(rate * seconds);
        LinkedBlockingQueue<Integer> due = new LinkedBlockingQueue<>();
        AtomicLong maxLagNanos = new AtomicLong();
        AtomicInteger written = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong firstError = new AtomicLong();
        long start = System.nanoTime() + 500_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < workersCount; w++) {
            Thread t = new Thread(() -> {
                try {
                    Beat beat = worker.open();
                    for (Integer k; (k = due.take()) >= 0; ) {
                        try {
                            beat.send(k);
                            written.incrementAndGet();
                        } catch (Exception e) {
                            if (failed.incrementAndGet() == 1) {
                                firstError.set(1);
                                System.out.println("ERROR " + e);
                            }
                        }
                        long scheduled = start + (long) (k / rate * 1e9);
                        maxLagNanos.accumulateAndGet(System.nanoTime() - scheduled, Math::max);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            workers.add(t);
        }
        Schedule run = feed(due, workers, total, rate, start);
        System.out.printf("%s: target %.0f/s for %d s, %d at a time: %d written, %d failed in %.2f s = %.0f/s; "
                        + "queue max %d, at the schedule's end %d, max lag behind schedule %.3f s%n",
                what, rate, seconds, workersCount, written.get(), failed.get(), run.elapsed(), written.get() / run.elapsed(), run.maxQueue(), run.backlogAtEnd(),
                maxLagNanos.get() / 1e9);
        System.out.flush();
    }

    /** Heartbeat intake: RATE rows/s on a fixed schedule, each one statement as an agent's flush sends it. */
    private static void beats(String url, double rate, int seconds, int connections, int agents) throws Exception {
        String sql;
        try (InputStream in = FleetSimulator.class.getResourceAsStream("/db/heartbeat/postgres/insert-agent-status.sql")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            sql = b.toString(StandardCharsets.UTF_8);
        }
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile(":#(\\w+)").matcher(sql);
        StringBuilder jdbc = new StringBuilder();
        while (m.find()) {
            names.add(m.group(1));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        String statement = jdbc.toString();
        try (InputStream in = FleetSimulator.class.getResourceAsStream("/db/heartbeat/postgres/V1__agent_status.sql");
             Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        int total = (int) Math.round(rate * seconds);
        LinkedBlockingQueue<Integer> due = new LinkedBlockingQueue<>();
        AtomicLong maxLagNanos = new AtomicLong();
        AtomicInteger written = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime() + 200_000_000L;
        Instant base = Instant.now().plusSeconds(3600);
        String metrics = "{\"cpu\":12.5,\"memory\":41.0,\"disk\":63.2,\"load1\":0.4,\"heapUsed\":81234567,\"threads\":58}";
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            Thread t = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url); PreparedStatement ps = c.prepareStatement(statement)) {
                    for (Integer k; (k = due.take()) >= 0; ) {
                        Map<String, Object> row = new java.util.HashMap<>();
                        row.put("agent_id", "sim-" + (k % agents));
                        row.put("server", "sim-" + (k % agents));
                        row.put("ts", base.plusMillis(k / agents * 60_000L).toString());
                        row.put("status", "healthy");
                        row.put("metrics", metrics);
                        row.put("alerts", "[]");
                        row.put("uptime_seconds", 3600L);
                        row.put("config_revision", "0123456789abcdef0123456789abcdef01234567");
                        row.put("buffer_rows", 42L);
                        row.put("buffer_dropped", 0L);
                        row.put("archive_lag_seconds", 30L);
                        row.put("ingest_rate", 10.0);
                        row.put("agent_version", "0.1.0");
                        row.put("interval_seconds", 60);
                        for (int i = 0; i < names.size(); i++) {
                            ps.setObject(i + 1, row.get(names.get(i)));
                        }
                        try {
                            ps.executeUpdate();
                            written.incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                        long scheduled = start + (long) (k / rate * 1e9);
                        maxLagNanos.accumulateAndGet(System.nanoTime() - scheduled, Math::max);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            workers.add(t);
        }
        Schedule run = feed(due, workers, total, rate, start);
        System.out.printf("beats: target %.0f/s for %d s over %d connections: %d written, %d failed in %.2f s = %.0f/s; "
                        + "queue max %d, at the schedule's end %d, max lag behind schedule %.3f s%n",
                rate, seconds, connections, written.get(), failed.get(), run.elapsed(), written.get() / run.elapsed(), run.maxQueue(), run.backlogAtEnd(),
                maxLagNanos.get() / 1e9);
    }

    /** What {@link #feed} saw: the longest queue, the queue when the schedule ended, seconds from start to the last worker's end. */
    private record Schedule(int maxQueue, int backlogAtEnd, double elapsed) {
    }

    /**
     * Hands the numbers 0..total-1 to the workers on a fixed schedule (number k at start + k / rate seconds),
     * then one -1 per worker, and waits for them to end.
     */
    private static Schedule feed(LinkedBlockingQueue<Integer> due, List<Thread> workers, int total, double rate, long start)
            throws InterruptedException {
        int maxQueue = 0;
        for (int k = 0; k < total; k++) {
            long wait = start + (long) (k / rate * 1e9) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            due.add(k);
            maxQueue = Math.max(maxQueue, due.size());
        }
        int backlogAtEnd = due.size();
        for (int w = 0; w < workers.size(); w++) {
            due.add(-1);
        }
        for (Thread t : workers) {
            t.join();
        }
        return new Schedule(maxQueue, backlogAtEnd, (System.nanoTime() - start) / 1e9);
    }
}
