package dev.nervesys.orchestrator;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What keeps the orchestrator's in-memory caches (credentials, the newest rollout) right when other
 * orchestrators, commands or hand-written SQL change the database: one connection LISTENs on the
 * channels the triggers of db/orchestrator/V4 notify at every commit that changes an agent's
 * credential, revocation or group, or a rollout (docs/orchestrator.md, "Scale").
 *
 * <p>Caches may be used only while the feed is {@link #live()} (LISTEN registered); a cache fills an
 * entry only when {@link #generation()} did not move during its read, so a change committed while
 * the read ran is never hidden. The listening connection is checked every {@link #CHECK_MS} ms
 * ({@code SELECT 1}); on any error the feed goes down (caches emptied and unused: every request reads
 * the database, as without cache) and reconnects after a second.
 */
final class ChangeFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    static final String AGENTS = "nervesys_orchestrator_agents";
    static final String ROLLOUTS = "nervesys_orchestrator_rollouts";
    static final int CHECK_MS = 5_000;

    private final DataSource dataSource;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong notifications = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private final List<Consumer<String>> agentListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> rolloutListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> resetListeners = new CopyOnWriteArrayList<>();
    private volatile boolean live;
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile Connection connection;

    ChangeFeed(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Starts listening (once; the schema must be migrated first, the triggers being V4's). */
    synchronized void start() {
        if (thread != null || closed) {
            return;
        }
        Thread t = new Thread(this::run, "nervesys-orchestrator-changes");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Whether caches may be used: LISTEN is registered and the connection was fine at its last check. */
    boolean live() {
        return live;
    }

    /** Moves at every notification, loss and reconnection: a cache read that saw it move keeps nothing. */
    long generation() {
        return generation.get();
    }

    /** Notifications received (console, tests). */
    long notifications() {
        return notifications.get();
    }

    /** Times LISTEN was registered (1, then once per reconnection). */
    long connects() {
        return connects.get();
    }

    /** A change this orchestrator made itself: caches forget it at once, not at its own notification. */
    void bump() {
        generation.incrementAndGet();
    }

    void onAgent(Consumer<String> listener) {
        agentListeners.add(listener);
    }

    void onRollout(Runnable listener) {
        rolloutListeners.add(listener);
    }

    /** Runs when the feed goes down or comes back: every cache forgets everything. */
    void onReset(Runnable listener) {
        resetListeners.add(listener);
    }

    private void run() {
        boolean warned = false;
        while (!closed) {
            try (Connection c = dataSource.getConnection()) {
                connection = c;
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + AGENTS);
                    s.execute("LISTEN " + ROLLOUTS);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                reset();
                connects.incrementAndGet();
                live = true;
                if (warned) {
                    LOG.info("Orchestrator change feed listening again: caches are used again");
                    warned = false;
                }
                long checked = System.nanoTime();
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got != null) {
                        for (PGNotification n : got) {
                            dispatch(n.getName(), n.getParameter());
                        }
                    }
                    if (System.nanoTime() - checked > CHECK_MS * 1_000_000L) {
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                        }
                        checked = System.nanoTime();
                    }
                }
            } catch (Exception e) {
                boolean was = live;
                live = false;
                reset();
                if (closed) {
                    return;
                }
                if (was || !warned) {
                    LOG.warn("Orchestrator change feed down ({}): every request reads the database until it listens again",
                            e.getMessage());
                    warned = true;
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                connection = null;
            }
        }
        live = false;
    }

    private void reset() {
        generation.incrementAndGet();
        resetListeners.forEach(Runnable::run);
    }

    private void dispatch(String channel, String payload) {
        notifications.incrementAndGet();
        generation.incrementAndGet();
        if (AGENTS.equals(channel)) {
            if ("*".equals(payload)) {
                resetListeners.forEach(Runnable::run);
            } else {
                agentListeners.forEach(l -> l.accept(payload));
            }
        } else if (ROLLOUTS.equals(channel)) {
            rolloutListeners.forEach(Runnable::run);
        }
    }

    @Override
    public void close() {
        closed = true;
        live = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the thread ends on the closed connection
                }
            }
        }
        reset();
    }
}
