package dev.nervesys.orchestrator;

import com.sun.net.httpserver.HttpServer;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.HandClock;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Git fan-out's answers with its pack cache, fetched by real clients (JGit and the {@code git}
 * command) over HTTP from a real mirror of a real upstream repository: identical requests are served
 * from the cache and still give each client the right objects, whether it has the previous commit, an
 * older one or none; a new upstream commit empties the cache.
 */
class ConfigMirrorServeTest {

    @TempDir
    Path tmp;
    private PgDatabase db;
    private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final CamelContext camel = new DefaultCamelContext();
    private Git upstream;
    private ConfigMirror mirror;
    private HttpServer server;
    private String url;
    private String credential;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orchscale_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        OrchestratorStore store = new OrchestratorStore(ds, clock);
        Rollouts rollouts = new Rollouts(store, Canary.parse("none"), Duration.ofMinutes(5), clock);
        upstream = Git.init().setDirectory(tmp.resolve("upstream").toFile()).setInitialBranch("main").call();
        mirror = new ConfigMirror(new OrchestratorSettings(tmp.resolve("upstream").toString(), "main", "x"), tmp.resolve("mirror"),
                null, store, rollouts, clock);
        credential = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "a1", null, g -> "a1").credential();
        // the route's part: an HTTP request becomes a Camel exchange for ConfigMirror.serve, as netty-http makes it
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/git", h -> {
            try {
                Exchange ex = new DefaultExchange(camel);
                ex.getIn().setHeader(Exchange.HTTP_URI, h.getRequestURI().getRawPath());
                ex.getIn().setHeader(Exchange.HTTP_QUERY, h.getRequestURI().getRawQuery());
                ex.getIn().setHeader(Exchange.HTTP_METHOD, h.getRequestMethod());
                ex.getIn().setHeader("Authorization", h.getRequestHeaders().getFirst("Authorization"));
                ex.getIn().setHeader("Content-Encoding", h.getRequestHeaders().getFirst("Content-Encoding"));
                ex.getIn().setBody(h.getRequestBody().readAllBytes());
                mirror.serve(ex);
                byte[] body = ex.getMessage().getBody(byte[].class);
                for (Map.Entry<String, Object> e : ex.getMessage().getHeaders().entrySet()) {
                    if (!e.getKey().startsWith("Camel")) {
                        h.getResponseHeaders().add(e.getKey(), String.valueOf(e.getValue()));
                    }
                }
                h.getResponseHeaders().add("Content-Type", ex.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class));
                h.sendResponseHeaders(ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class), body.length);
                try (OutputStream out = h.getResponseBody()) {
                    out.write(body);
                }
            } catch (Exception e) {
                h.sendResponseHeaders(500, -1);
            } finally {
                h.close();
            }
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/git/config";
    }

    @AfterEach
    void tearDown() throws Exception {
        server.stop(0);
        mirror.close();
        upstream.close();
        camel.close();
        db.close();
    }

    private String commit(String file, String content) throws Exception {
        Files.writeString(tmp.resolve("upstream").resolve(file), content);
        upstream.add().addFilepattern(file).call();
        return upstream.commit().setMessage(file + " " + content).setAuthor("t", "t@example.com")
                .setCommitter("t", "t@example.com").call().name();
    }

    private Git jgitClone(String name) throws Exception {
        return Git.cloneRepository().setURI(url).setDirectory(tmp.resolve(name).toFile()).setBranch("main")
                .setCredentialsProvider(new UsernamePasswordCredentialsProvider("a1", credential)).call();
    }

    private static String head(Git g) throws Exception {
        return g.getRepository().resolve("refs/remotes/origin/main").name();
    }

    private void jgitFetch(Git g) throws Exception {
        g.fetch().setCredentialsProvider(new UsernamePasswordCredentialsProvider("a1", credential)).call();
    }

    private String git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-c", "protocol.version=0", "-c", "credential.helper="));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.strip();
    }

    private String gitUrl() {
        return url.replace("http://", "http://a1:" + credential + "@");
    }

    @Test
    void identicalRequestsAreAnsweredFromTheCacheAndEveryClientGetsTheCommit() throws Exception {
        String c1 = commit("a.txt", "one");
        mirror.poll();
        // JGit, no commit yet: the first clone computes the pack, the second gets the same bytes
        Git first = jgitClone("first");
        long missesAfterFirst = mirror.status().get("packCacheMisses") instanceof Long l ? l : -1;
        Git second = jgitClone("second");
        assertThat(head(first)).isEqualTo(c1);
        assertThat(head(second)).isEqualTo(c1);
        assertThat((Long) mirror.status().get("packCacheMisses")).isEqualTo(missesAfterFirst);
        assertThat((Long) mirror.status().get("packCacheHits")).isGreaterThanOrEqualTo(2); // advertisement and pack
        assertThat(Files.readString(tmp.resolve("second/a.txt"))).isEqualTo("one");

        // git itself, no commit yet
        git(tmp, "clone", "-q", "-b", "main", gitUrl(), "cli");
        assertThat(git(tmp.resolve("cli"), "rev-parse", "HEAD")).isEqualTo(c1);

        // a push: the cache is emptied, agents that have the previous commit fetch the new one (have c1)
        String c2 = commit("b.txt", "two");
        mirror.poll();
        long hitsBefore = (Long) mirror.status().get("packCacheHits");
        jgitFetch(first);
        jgitFetch(second);
        assertThat(head(first)).isEqualTo(c2);
        assertThat(head(second)).isEqualTo(c2);
        assertThat((Long) mirror.status().get("packCacheHits")).isGreaterThan(hitsBefore);
        second.checkout().setName("origin/main").call();
        assertThat(Files.readString(tmp.resolve("second/b.txt"))).isEqualTo("two");
        git(tmp.resolve("cli"), "fetch", "-q", "origin");
        assertThat(git(tmp.resolve("cli"), "rev-parse", "origin/main")).isEqualTo(c2);
        assertThat(git(tmp.resolve("cli"), "show", "origin/main:b.txt")).isEqualTo("two");
        git(tmp.resolve("cli"), "fsck", "--no-progress");

        // another push: a client two commits behind (have c1) and one with none, by JGit and by git
        String c3 = commit("c.txt", "three");
        mirror.poll();
        Git behind = jgitClone("behind");
        assertThat(head(behind)).isEqualTo(c3);
        git(tmp, "clone", "-q", "-b", "main", gitUrl(), "cli-new");
        assertThat(git(tmp.resolve("cli-new"), "rev-parse", "HEAD")).isEqualTo(c3);
        git(tmp.resolve("cli-new"), "fsck", "--no-progress");
        Git old = Git.open(tmp.resolve("first").toFile());
        old.getRepository().getRefDatabase(); // still at c2 for origin/main
        git(tmp, "init", "-q", "at-c1");
        git(tmp.resolve("at-c1"), "fetch", "-q", tmp.resolve("first").toString(), c1 + ":refs/remotes/origin/main");
        git(tmp.resolve("at-c1"), "fetch", "-q", gitUrl(), "main:refs/remotes/origin/main");
        assertThat(git(tmp.resolve("at-c1"), "rev-parse", "origin/main")).isEqualTo(c3);
        assertThat(git(tmp.resolve("at-c1"), "show", "origin/main:c.txt")).isEqualTo("three");
        git(tmp.resolve("at-c1"), "fsck", "--no-progress");
        jgitFetch(first);
        assertThat(head(first)).isEqualTo(c3);
        old.close();
        behind.close();
        first.close();
        second.close();
    }

    @Test
    void aWrongCredentialIsRefusedBeforeTheCache() throws Exception {
        commit("a.txt", "one");
        mirror.poll();
        jgitClone("ok").close();
        Path dir = tmp.resolve("refused");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Git.cloneRepository().setURI(url).setDirectory(dir.toFile())
                        .setCredentialsProvider(new UsernamePasswordCredentialsProvider("a1", "nva_wrong")).call())
                .hasMessageContaining("not authorized");
    }
}
