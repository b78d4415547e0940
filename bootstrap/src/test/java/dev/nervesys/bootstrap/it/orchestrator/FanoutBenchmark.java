package dev.nervesys.bootstrap.it.orchestrator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.GitHttpServer;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.orchestrator.ConfigMirror;
import dev.nervesys.orchestrator.LongPoll;
import dev.nervesys.orchestrator.Webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config fan-out under N simulated agents (docs/benchmarks.md, "Orchestrator"): one real
 * orchestrator on the local PostgreSQL, a real upstream repository (this project's routes/ and
 * config/), and N agents in this JVM that speak the real protocol over HTTP: enrollment, an idle
 * poll (the ref advertisement), and, after a signed push webhook, the fetch of the new commit
 * (advertisement + upload-pack). The reference, in the same run, is a plain JGit upload-pack server
 * (GitHttpServer: the JDK's HTTP server, one password, no database) serving the same repository to
 * the same simulated agents. Last, the same push with every agent holding a long-poll
 * ({@code GET /v1/wait}), as enrolled agents do: time from the webhook to 100 % fetched. Not a test: run it by hand.
 *
 * <p>{@code java -cp $CP dev.nervesys.bootstrap.it.orchestrator.FanoutBenchmark N CONCURRENCY}
 */
public final class FanoutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MAIN = Pattern.compile("([0-9a-f]{40}) refs/heads/main");
    private static final String SECRET = "bench-webhook-secret";

    private FanoutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        Path tmp = Files.createTempDirectory("fanout-bench");
        ExecutorService httpThreads = Executors.newFixedThreadPool(4);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpThreads).build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (PgDatabase db = new PgDatabase("orch_bench_"); ConfigRepo upstream = new ConfigRepo(tmp.resolve("upstream"));
             GitHttpServer reference = GitHttpServer.http("ref-password")) {
            Path root = ConfigRepo.projectRoot();
            try (var files = Files.walk(root.resolve("routes"))) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    upstream.write(root.relativize(p).toString(), Files.readString(p));
                }
            }
            upstream.copyFromProject("config/application.properties", "config/thresholds.yaml", "config/alerts.yaml");
            upstream.commit("the project's routes and config");
            reference.serve("ref", upstream.bare());
            int port = TestAgents.freePort();
            Path config = Orchestrators.orchestratorConfig(tmp.resolve("oc"), Map.of("edge", "agentId={host}\n"));
            try (Agent orchestrator = Orchestrators.start("orch", tmp.resolve("orch"), config, port, db, upstream.uri(),
                    Map.of(Webhook.SECRET_ENV, SECRET), Map.of("nervesys.orchestrator.upstreamPoll", "1h",
                            "nervesys.rollout.canary", "none", "camel.main.name", "bench-orchestrator"))) {
                ConfigMirror mirror = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorMirror", ConfigMirror.class);
                while (mirror.commit() == null) {
                    Thread.sleep(100);
                }
                String base = "http://127.0.0.1:" + port;
                String token = Orchestrators.createToken(db, "edge", n);

                // enrollment
                String[] auth = new String[n];
                long t0 = System.nanoTime();
                run(pool, n, i -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/enroll"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\",\"host\":\"sim-" + i + "\"}"))
                            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                    check(r, 200);
                    var g = JSON.readTree(r.body());
                    auth[i] = basic(g.get("agentId").asText(), g.get("credential").asText());
                });
                double enroll = seconds(t0);
                report("enroll", n, enroll, null);

                // an idle poll of every agent: the ref advertisement only
                String orchRefs = base + "/git/config/info/refs?service=git-upload-pack";
                String refRefs = reference.url("ref") + "/info/refs?service=git-upload-pack";
                String refAuth = basic("x", "ref-password");
                double[] idle = new double[2];
                for (int round = 0; round < 2; round++) { // the first round warms up both servers
                    t0 = System.nanoTime();
                    run(pool, n, i -> check(get(http, orchRefs, auth[i]), 200));
                    idle[0] = seconds(t0);
                    t0 = System.nanoTime();
                    run(pool, n, i -> check(get(http, refRefs, refAuth), 200));
                    idle[1] = seconds(t0);
                }
                report("idle poll, orchestrator", n, idle[0], null);
                report("idle poll, reference", n, idle[1], idle[0] / idle[1]);

                // a push: webhook, then every agent fetches the new commit
                upstream.write("routes/demo.camel.yaml", Files.readString(root.resolve("routes/demo.camel.yaml")) + "\n# bench\n");
                String c2 = upstream.commit("bench push");
                long fetchesBefore = mirror.fetches();
                t0 = System.nanoTime();
                String body = "{\"after\":\"" + c2 + "\"}";
                check(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/webhook")).header("X-Hub-Signature-256", sign(body))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()), 200);
                double webhook = seconds(t0);
                AtomicInteger bytes = new AtomicInteger();
                run(pool, n, i -> bytes.addAndGet(fetch(http, base + "/git/config", auth[i], c2)));
                double orchConverge = seconds(t0);
                long upstreamFetches = mirror.fetches() - fetchesBefore;
                t0 = System.nanoTime();
                run(pool, n, i -> fetch(http, reference.url("ref"), refAuth, c2));
                double refConverge = seconds(t0);
                System.out.printf("push: webhook answered in %.3f s (mirror fetched), upstream fetches for the commit: %d%n",
                        webhook, upstreamFetches);
                report("push to 100% fetched, orchestrator", n, orchConverge, null);
                report("same fetches, reference", n, refConverge, orchConverge / refConverge);
                System.out.printf("pack bytes per agent: %d%n", bytes.get() / n);

                // long-poll: every agent holds GET /v1/wait?have=<its commit>; a push (webhook) answers them all and
                // each fetches at once, as reload.OrchestratorWatch does
                LongPoll longPoll = orchestrator.context().getRegistry().lookupByNameAndType("orchestratorWait", LongPoll.class);
                upstream.write("routes/demo.camel.yaml", Files.readString(root.resolve("routes/demo.camel.yaml")) + "\n# bench 2\n");
                String c3 = upstream.commit("bench push 2");
                CountDownLatch done = new CountDownLatch(n);
                AtomicInteger failed = new AtomicInteger();
                for (int i = 0; i < n; i++) {
                    longPoll(http, pool, base, auth[i], c2, c3, done, failed);
                }
                long waitStart = System.nanoTime();
                while (longPoll.waiting() < n && seconds(waitStart) < 25) {
                    Thread.sleep(20);
                }
                System.out.printf("long-poll: %d of %d agents held after %.2f s%n", longPoll.waiting(), n, seconds(waitStart));
                fetchesBefore = mirror.fetches();
                t0 = System.nanoTime();
                String body3 = "{\"after\":\"" + c3 + "\"}";
                check(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/webhook")).header("X-Hub-Signature-256", sign(body3))
                        .POST(HttpRequest.BodyPublishers.ofString(body3)).build(), HttpResponse.BodyHandlers.ofString()), 200);
                done.await();
                double longPolled = seconds(t0);
                System.out.printf("long-poll push: upstream fetches %d, failed agents %d%n", mirror.fetches() - fetchesBefore, failed.get());
                report("push to 100% fetched, long-poll", n, longPolled, longPolled / orchConverge);
            }
        } finally {
            pool.shutdownNow();
            httpThreads.shutdownNow();
        }
    }

    /** One agent's long-poll: wait until the served commit is not {@code have}, then fetch it (again on a hold's end). */
    private static void longPoll(HttpClient http, ExecutorService pool, String base, String auth, String have, String expected,
                                 CountDownLatch done, AtomicInteger failed) {
        http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/wait?have=" + have)).header("Authorization", auth)
                        .timeout(java.time.Duration.ofSeconds(45)).build(), HttpResponse.BodyHandlers.ofString())
                .thenAcceptAsync(r -> {
                    try {
                        check(r, 200);
                        if (!JSON.readTree(r.body()).path("changed").asBoolean()) {
                            longPoll(http, pool, base, auth, have, expected, done, failed);
                            return;
                        }
                        fetch(http, base + "/git/config", auth, expected);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                    done.countDown();
                }, pool)
                .exceptionally(e -> {
                    failed.incrementAndGet();
                    done.countDown();
                    return null;
                });
    }

    private interface Task {
        void run(int i) throws Exception;
    }

    private static void run(ExecutorService pool, int n, Task task) throws Exception {
        List<Future<?>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(pool.submit(() -> {
                task.run(k);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    /** One agent's fetch: advertisement, then upload-pack of the advertised head (want, done). */
    private static int fetch(HttpClient http, String repo, String auth, String expected) throws Exception {
        HttpResponse<String> refs = get(http, repo + "/info/refs?service=git-upload-pack", auth);
        check(refs, 200);
        Matcher m = MAIN.matcher(refs.body());
        if (!m.find() || !m.group(1).equals(expected)) {
            throw new IllegalStateException("advertised " + (m.find(0) ? m.group(1) : "nothing") + ", expected " + expected);
        }
        String want = "want " + expected + " ofs-delta\n";
        String request = String.format("%04x", want.length() + 4) + want + "0000" + "0009done\n";
        HttpResponse<byte[]> pack = http.send(HttpRequest.newBuilder(URI.create(repo + "/git-upload-pack"))
                .header("Authorization", auth).header("Content-Type", "application/x-git-upload-pack-request")
                .POST(HttpRequest.BodyPublishers.ofString(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (pack.statusCode() != 200 || !new String(pack.body(), 0, Math.min(64, pack.body().length), StandardCharsets.ISO_8859_1).contains("PACK")) {
            throw new IllegalStateException("upload-pack answered " + pack.statusCode());
        }
        return pack.body().length;
    }

    private static HttpResponse<String> get(HttpClient http, String url, String auth) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void report(String what, int n, double seconds, Double ratio) {
        System.out.printf("%-40s N=%-6d %8.2f s  %9.0f agents/s%s%n", what, n, seconds, n / seconds,
                ratio == null ? "" : String.format("   ratio: %.2f", ratio));
    }
}
