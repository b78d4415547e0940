package dev.nervesys.orchestrator;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Long-poll of the config fan-out (bean {@code orchestratorWait}, {@code GET /v1/wait?have=<commit>},
 * docs/orchestrator.md): an agent (basic auth, its id and credential) names the commit it has; the
 * answer comes at once when the fan-out serves it another one, else when that changes (the mirror's
 * poll or webhook moved the branch, a rollout was promoted or halted) or after {@link #HOLD}:
 * {@code {"commit": "<served>", "changed": true|false}}. The agent then fetches with Git as before.
 *
 * <p>The request holds no thread while it waits (an asynchronous Camel processor: netty-http's
 * worker is released and the answer is written when the callback runs). One thread re-checks every
 * waiter at once, with one read of the rollout state for all: when the mirror moves (immediately),
 * and every {@link #RECHECK} (rollout transitions, by any orchestrator). The hold's end is read
 * from the injected clock.
 */
public final class LongPoll extends AsyncProcessorSupport implements AutoCloseable, org.apache.camel.spi.ShutdownPrepared {

    private static final Logger LOG = LoggerFactory.getLogger(LongPoll.class);
    /** How long a request is held when nothing changes (agents' HTTP timeout must be longer). */
    public static final Duration HOLD = Duration.ofSeconds(30);
    static final Duration RECHECK = Duration.ofSeconds(1);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private record Waiter(String agentId, String have, Instant deadline, Exchange exchange, AsyncCallback callback,
                          AtomicBoolean done) {
    }

    private final OrchestratorStore store;
    private final Rollouts rollouts;
    private final ConfigMirror mirror;
    private final Clock clock;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService timer;

    public LongPoll(OrchestratorStore store, Rollouts rollouts, ConfigMirror mirror, Clock clock) {
        this.store = store;
        this.rollouts = rollouts;
        this.mirror = mirror;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nervesys-orchestrator-longpoll");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::wakeQuietly, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
        mirror.onChange(this::wakeSoon);
        // a promote or halt by another orchestrator or a command: at once, not at the next recheck
        store.feed().onRollout(this::wakeSoon);
    }

    /** Requests being held now (console, tests). */
    public int waiting() {
        return waiters.size();
    }

    @Override
    public boolean process(Exchange ex, AsyncCallback callback) {
        Message in = ex.getIn();
        try {
            String have = have(in.getHeader(Exchange.HTTP_QUERY, String.class));
            HttpAuth auth = HttpAuth.of(in.getHeader("Authorization"));
            if (auth == null) {
                OrchestratorApi.error(ex, 401, "agent credential required (basic auth: agent id and credential)");
                ex.getMessage().setHeader("WWW-Authenticate", HttpAuth.CHALLENGE);
            } else if (!mirror.enabled()) {
                OrchestratorApi.error(ex, 404, "this orchestrator mirrors no config repo (nervesys.orchestrator.upstream is empty)");
            } else {
                String agentId = store.authenticate(auth.user(), auth.password()).agentId();
                String served = targets().apply(agentId);
                if (served != null && !served.equals(have)) {
                    answer(ex, served, true);
                } else {
                    waiters.add(new Waiter(agentId, have, clock.instant().plus(HOLD), ex, callback, new AtomicBoolean()));
                    return false;
                }
            }
        } catch (Refused r) {
            OrchestratorApi.error(ex, r.status(), r.getMessage());
        } catch (SQLException e) {
            OrchestratorApi.error(ex, 503, "orchestrator database unavailable, try again later");
        } catch (Exception e) {
            LOG.error("Long-poll: internal error", e);
            OrchestratorApi.error(ex, 500, "internal error of the orchestrator (its log has the details)");
        }
        callback.done(true);
        return true;
    }

    private static String have(String query) throws Refused {
        if (query != null) {
            for (String kv : query.split("&")) {
                if (kv.startsWith("have=")) {
                    String v = kv.substring(5).trim();
                    if (v.isEmpty()) {
                        return null;
                    }
                    if (!COMMIT.matcher(v).matches()) {
                        throw new Refused(400, "have must be a commit id (40 hex digits), not '" + v + "'");
                    }
                    return v;
                }
            }
        }
        return null;
    }

    private Function<String, String> targets() throws Exception {
        Function<String, String> byRollout = rollouts.targets();
        String head = mirror.commit();
        return agent -> {
            String t = byRollout.apply(agent);
            return t == null ? head : t;
        };
    }

    private void wakeSoon() {
        try {
            timer.execute(this::wakeQuietly);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // closed: nothing is held any more
        }
    }

    private void wakeQuietly() {
        try {
            wake();
        } catch (Exception e) {
            LOG.warn("Long-poll: cannot check the served commits ({}); waiting agents are answered at their hold's end", e.getMessage());
            expire(null);
        }
    }

    /** Answers every waiter whose served commit changed or whose hold ended. */
    synchronized void wake() throws Exception {
        if (waiters.isEmpty()) {
            return;
        }
        expire(targets());
    }

    private void expire(Function<String, String> targets) {
        Instant now = clock.instant();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            String served = targets == null ? null : targets.apply(w.agentId());
            boolean changed = served != null && !served.equals(w.have());
            if (changed || !now.isBefore(w.deadline())) {
                it.remove();
                complete(w, () -> answer(w.exchange(), changed ? served : w.have(), changed));
            }
        }
    }

    private static void complete(Waiter w, Runnable answer) {
        if (w.done().compareAndSet(false, true)) {
            try {
                answer.run();
            } finally {
                w.callback().done(false);
            }
        }
    }

    private static void answer(Exchange ex, String commit, boolean changed) {
        Message m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setHeader("Cache-Control", "no-store");
        m.setBody("{\"commit\":" + (commit == null ? "null" : "\"" + commit + "\"") + ",\"changed\":" + changed + "}");
    }

    /** Camel stops the route: answer the held requests now (503) rather than make the shutdown wait for their hold. */
    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        answerAll();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        answerAll();
    }

    private void answerAll() {
        for (Waiter w; (w = waiters.poll()) != null; ) {
            Waiter x = w;
            complete(x, () -> OrchestratorApi.error(x.exchange(), 503, "orchestrator stopping, try again"));
        }
    }
}
