package dev.nervesys.bootstrap.reload;

import dev.nervesys.bootstrap.AddOn;

import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.revision.Revision;
import dev.nervesys.bootstrap.revision.RevisionSource;
import dev.nervesys.bootstrap.security.ExposedPorts;
import dev.nervesys.spi.AppliedRevision;
import dev.nervesys.spi.Declarations;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.RevisionListener;
import dev.nervesys.spi.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows the config source: polls it, validates each new revision in a throwaway context, applies
 * it as a difference, and otherwise keeps the last good routes and records why the revision was
 * rejected. A rejected revision is not retried; the next newer one is.
 */
public final class ConfigSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigSync.class);

    private final RevisionSource source;
    private final RevisionValidator validator;
    private final RouteApplier applier;
    private final SyncState state;
    private final Settings started;
    private final List<RevisionListener> listeners;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nervesys-config-sync");
        t.setDaemon(true);
        return t;
    });
    private volatile String lastSeenId;

    /**
     * @param started the settings the agent started with: the beans and the runtime read some of
     *                their keys and config files then, so a later revision that changes one of
     *                those is applied to the routes but reported as needing a restart
     * @param listeners told about every revision applied (snapshots), after it was recorded
     */
    public ConfigSync(RevisionSource source, RevisionValidator validator, RouteApplier applier, SyncState state,
                      Settings started, List<RevisionListener> listeners) {
        this.source = source;
        this.listeners = List.copyOf(listeners);
        this.validator = validator;
        this.applier = applier;
        this.state = state;
        this.started = started;
        state.source(source.describe());
    }

    /**
     * The first sync, before polling starts: the newest revision, or when the source cannot be
     * reached or its newest revision is bad, the last good one recorded on disk.
     */
    public void initial(Revision first) {
        boolean ok = first != null && process(first);
        if (!ok) {
            Optional<Revision> lastGood = loadLastGood();
            if (lastGood.isPresent() && (first == null || !lastGood.get().id().equals(first.id()))) {
                LOG.info("Starting from the last good revision {}", lastGood.get().describe());
                if (process(lastGood.get()) && first != null) {
                    lastSeenId = first.id(); // the rejected newest one waits for a newer commit, as at run time
                }
            }
        }
    }

    /** The newest revision, or empty (and the error recorded) when the source cannot be reached. */
    public Optional<Revision> fetch() {
        try {
            Revision r = source.latest();
            state.synced(true, null);
            return Optional.of(r);
        } catch (Exception e) {
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!error.equals(state.syncError())) {
                LOG.warn("Config source {} unreachable, keeping the current routes: {}", source.describe(), error);
            }
            state.synced(false, error);
            return Optional.empty();
        }
    }

    /**
     * Polls after each wait, every wait drawn at random within {@code jitterPercent} of the interval
     * either way (docs/orchestrator.md, "Agents without an orchestrator"): a fleet started, restarted
     * or pointed at one repository at the same moment spreads its fetches over the window instead of
     * fetching in step, whatever its size.
     *
     * @param random uniform in [0, 1): one draw per wait
     */
    public void startPolling(Duration interval, int jitterPercent, java.util.function.DoubleSupplier random) {
        long ms = Math.max(100, interval.toMillis());
        scheduleNext(ms, Math.max(0, Math.min(100, jitterPercent)), random);
    }

    private void scheduleNext(long ms, int jitterPercent, java.util.function.DoubleSupplier random) {
        try {
            scheduler.schedule(() -> {
                try {
                    pollOnce();
                } finally {
                    scheduleNext(ms, jitterPercent, random);
                }
            }, jittered(ms, jitterPercent, random.getAsDouble()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the sync was closed: no further poll
        }
    }

    /** A wait of {@code ms} moved by up to {@code percent} % either way: {@code u} = 0 the shortest, 1 the longest. */
    static long jittered(long ms, int percent, double u) {
        double spread = ms * percent / 100.0;
        return Math.max(1, Math.round(ms - spread + 2 * spread * u));
    }

    /** The id of the newest revision fetched (applied or rejected), or null. */
    public String lastSeen() {
        return lastSeenId;
    }

    /** One poll: fetch, and process the revision if it is new. */
    public synchronized void pollOnce() {
        try {
            fetch().ifPresent(r -> {
                if (!r.id().equals(lastSeenId)) {
                    process(r);
                }
            });
        } catch (RuntimeException e) {
            LOG.error("Config sync failed unexpectedly; will try again at the next poll", e);
        }
    }

    private Optional<Revision> loadLastGood() {
        try {
            Optional<String> id = state.lastGoodId();
            return id.isPresent() ? source.load(id.get()) : Optional.empty();
        } catch (Exception e) {
            LOG.warn("Cannot load the last good revision: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** Validates and applies one revision; true when it is now the applied one. */
    synchronized boolean process(Revision revision) {
        lastSeenId = revision.id();
        long t0 = System.nanoTime();
        ValidatedRevision validated = validator.validate(revision);
        if (!validated.valid()) {
            reject(revision, validated.problems());
            return false;
        }
        List<Problem> exposed = exposedPorts(validated.settings());
        if (!exposed.isEmpty()) {
            reject(revision, exposed);
            return false;
        }
        try {
            RouteApplier.Change change = applier.apply(validated);
            Map<String, Boolean> modules = new TreeMap<>();
            revision.routeFiles().keySet().forEach(f -> modules.put(f, validated.enabledRoutes().containsKey(f)));
            Set<String> restart = restartNeeded(validated.settings());
            // one publication: whoever sees this revision as applied sees its modules and restart notice
            state.applied(revision, change.toString(), modules, restart.isEmpty() ? null : String.join(", ", restart));
            LOG.info("Applied revision {} in {} ms: {}{}", revision.describe(), (System.nanoTime() - t0) / 1_000_000,
                    change, restart.isEmpty() ? "" : "; a restart is needed for " + restart);
        } catch (Exception e) {
            boolean nothingRuns = state.applied() == null;
            reject(revision, List.of(new Problem(null, 0, "apply failed, previous routes restored: "
                    + LineLocator.describe(e) + (nothingRuns ? " (tried again at every poll while no revision runs)" : ""))));
            // a valid revision that did not start (a port held by another program at boot) may
            // start later: while no revision runs at all, every poll applies it again instead of
            // waiting for a new commit. When a good revision runs, a retry would stop and restore
            // its routes at every poll, so a new commit (or a restart) is awaited instead.
            if (nothingRuns) {
                lastSeenId = null;
            }
            return false;
        }
        notifyApplied(revision);
        return true;
    }

    /**
     * A revision may not open a port to other machines without authentication (the ingest host is
     * applied on reload); the start refuses the same settings (docs/security.md).
     */
    private static List<Problem> exposedPorts(Settings settings) {
        try {
            return ExposedPorts.refusals(settings).stream()
                    .map(r -> new Problem(Revision.APPLICATION_PROPERTIES, 0, r)).toList();
        } catch (IllegalArgumentException e) {
            return List.of(new Problem(Revision.APPLICATION_PROPERTIES, 0, e.getMessage()));
        }
    }

    /** Tells the listeners; what they throw is logged, never undoes the applied revision. */
    private void notifyApplied(Revision revision) {
        if (listeners.isEmpty()) {
            return;
        }
        AppliedRevision applied = new AppliedRevision(revision.id(), revision.message(), revision.time(), source.describe(),
                revision.files());
        for (RevisionListener l : listeners) {
            try {
                l.applied(applied);
            } catch (RuntimeException e) {
                LOG.warn("{} failed on revision {}: {}", l.getClass().getSimpleName(), revision.shortId(), e.toString());
            }
        }
    }

    /**
     * Settings declared as read by beans ({@link Setting.ReadBy#BEANS}), and every {@code camel.*}
     * key, whose value in the new revision differs from the one the agent started with, and the
     * config files read at start that differ. Route settings apply with the routes; bootstrap
     * settings are not the repo's to change.
     */
    private Set<String> restartNeeded(Settings next) {
        Set<String> restart = new TreeSet<>();
        Set<String> keys = new TreeSet<>(started.values().keySet());
        keys.addAll(next.values().keySet());
        for (String key : keys) {
            if (Objects.equals(started.values().get(key), next.values().get(key))) {
                continue;
            }
            if (key.startsWith("camel.") || Declarations.find(key).map(s -> s.readBy() == Setting.ReadBy.BEANS).orElse(false)) {
                restart.add(key);
            }
        }
        for (String file : started.readFiles()) {
            if (!Objects.equals(started.revisionFiles().get(file), next.revisionFiles().get(file))) {
                restart.add(file);
            }
        }
        // a module switched on whose add-on jar loads only at start (AddOn.lazy): its routes are left out until then
        for (AddOn a : AddOn.values()) {
            if (a.loadsAtRestart()) {
                a.modules().stream().filter(m -> Role.moduleOn(next, m)).forEach(m -> restart.add("nervesys.modules." + m));
            }
        }
        return restart;
    }

    private void reject(Revision revision, List<Problem> problems) {
        String text = String.join("\n  ", problems.stream().map(Problem::toString).toList());
        // the same revision failing the same way at every poll is logged once
        if (!(revision.id() + text).equals(lastRejection)) {
            LOG.warn("Rejected revision {}, keeping the last good routes:\n  {}", revision.describe(), text);
        }
        lastRejection = revision.id() + text;
        state.rejected(revision, problems);
    }

    private String lastRejection;

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
