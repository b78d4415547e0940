package dev.nervesys.orchestrator;

import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.testing.HandClock;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The long-poll of the fan-out on real PostgreSQL and a real upstream repository: a request is held
 * while the agent has the served commit, answered as soon as the mirror moves, and at the hold's end
 * (hand-moved clock) otherwise.
 */
class LongPollTest {

    @TempDir
    Path tmp;
    private PgDatabase db;
    private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final CamelContext camel = new DefaultCamelContext();
    private Git upstream;
    private ConfigMirror mirror;
    private LongPoll longPoll;
    private String auth;

    @BeforeEach
    void setUp() throws Exception {
        db = new PgDatabase("orchapi_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        OrchestratorStore store = new OrchestratorStore(ds, clock);
        Rollouts rollouts = new Rollouts(store, Canary.parse("none"), Duration.ofMinutes(5), clock);
        upstream = Git.init().setDirectory(tmp.resolve("upstream").toFile()).setInitialBranch("main").call();
        mirror = new ConfigMirror(new OrchestratorSettings(tmp.resolve("upstream").toString(), "main", "x"), tmp.resolve("mirror"),
                null, store, rollouts, clock);
        longPoll = new LongPoll(store, rollouts, mirror, clock);
        String credential = store.enroll(store.createToken("edge", 1, Duration.ofHours(1)).token(), "a1", null, g -> "a1").credential();
        auth = "Basic " + Base64.getEncoder().encodeToString(("a1:" + credential).getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws Exception {
        longPoll.close();
        mirror.close();
        upstream.close();
        camel.close();
        db.close();
    }

    private String commit(String content) throws Exception {
        Files.writeString(tmp.resolve("upstream/file.txt"), content);
        upstream.add().addFilepattern("file.txt").call();
        return upstream.commit().setMessage(content).setAuthor("t", "t@example.com").setCommitter("t", "t@example.com").call().name();
    }

    private record Call(Exchange exchange, boolean sync, CountDownLatch answered) {
        int status() {
            return exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        }

        String body() {
            return exchange.getMessage().getBody(String.class);
        }
    }

    private Call call(String query, String authorization) {
        Exchange ex = new DefaultExchange(camel);
        ex.getIn().setHeader(Exchange.HTTP_QUERY, query);
        if (authorization != null) {
            ex.getIn().setHeader("Authorization", authorization);
        }
        CountDownLatch latch = new CountDownLatch(1);
        boolean sync = longPoll.process(ex, doneSync -> latch.countDown());
        return new Call(ex, sync, latch);
    }

    @Test
    void aHeldRequestIsAnsweredWhenTheMirrorMovesOrAtTheHoldsEnd() throws Exception {
        String c1 = commit("one");
        mirror.poll();

        Call other = call("have=" + "0".repeat(40), auth);
        assertThat(other.sync()).isTrue();
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.body()).isEqualTo("{\"commit\":\"" + c1 + "\",\"changed\":true}");
        Call none = call(null, auth);
        assertThat(none.body()).as("an agent with nothing yet").isEqualTo("{\"commit\":\"" + c1 + "\",\"changed\":true}");

        Call held = call("have=" + c1, auth);
        assertThat(held.sync()).isFalse();
        assertThat(longPoll.waiting()).isEqualTo(1);
        longPoll.wake();
        assertThat(held.answered().getCount()).as("nothing changed, the hold goes on").isEqualTo(1);

        String c2 = commit("two");
        mirror.poll();
        assertThat(held.answered().await(5, TimeUnit.SECONDS)).as("answered when the mirror moved").isTrue();
        assertThat(held.status()).isEqualTo(200);
        assertThat(held.body()).isEqualTo("{\"commit\":\"" + c2 + "\",\"changed\":true}");
        assertThat(longPoll.waiting()).isZero();

        Call idle = call("have=" + c2, auth);
        assertThat(idle.sync()).isFalse();
        clock.advance(LongPoll.HOLD.minusSeconds(1));
        longPoll.wake();
        assertThat(idle.answered().getCount()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        longPoll.wake();
        assertThat(idle.answered().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(idle.body()).isEqualTo("{\"commit\":\"" + c2 + "\",\"changed\":false}");
    }

    @Test
    void badRequestsAreAnsweredAtOnce() throws Exception {
        commit("one");
        mirror.poll();
        Call anonymous = call("have=", null);
        assertThat(anonymous.sync()).isTrue();
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.exchange().getMessage().getHeader("WWW-Authenticate", String.class)).isEqualTo(HttpAuth.CHALLENGE);
        Call wrong = call("have=", "Basic " + Base64.getEncoder().encodeToString("a1:nva_wrong".getBytes(StandardCharsets.UTF_8)));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.body()).contains("unknown agent credential for a1");
        Call bad = call("have=main", auth);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("have must be a commit id (40 hex digits), not 'main'");
        Call held = call("have=" + mirror.commit(), auth);
        assertThat(held.sync()).isFalse();
        longPoll.close();
        assertThat(held.answered().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(held.status()).isEqualTo(503);
    }
}
