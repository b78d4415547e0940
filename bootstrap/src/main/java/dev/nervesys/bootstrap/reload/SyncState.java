package dev.nervesys.bootstrap.reload;

import dev.nervesys.bootstrap.revision.Revision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the config sync knows, for the console, the health check and the next start: the applied
 * revision, the last rejected one and why, and when the source was last reached. The id of the
 * last good revision is kept on disk so that a restart while the repo is unreachable starts from it.
 */
public final class SyncState {

    /**
     * The applied revision with everything known about it when it was applied: the modules it
     * switched on and the settings or files that need a restart. One immutable value, published by
     * one volatile write, so that a reader who sees a revision as applied sees its restart notice too.
     *
     * @param restartNeeded keys and files read at start that differ from then, or null
     */
    public record Applied(String id, String message, Instant commitTime, Instant appliedAt, String change,
                          Map<String, Boolean> modules, String restartNeeded) {
    }

    public record Rejected(String id, String message, Instant at, List<Problem> problems) {
        public String error() {
            return String.join("\n", problems.stream().map(Problem::toString).toList());
        }
    }

    private final Path lastGoodFile;
    private volatile Applied applied;
    private volatile Rejected rejected;
    private volatile Instant lastSync;
    private volatile Instant lastSyncAttempt;
    private volatile String syncError;
    private volatile String source;
    private final Clock clock;

    public SyncState(Path stateDir, Clock clock) {
        this.lastGoodFile = stateDir.resolve("last-good-revision");
        this.clock = clock;
    }

    public Optional<String> lastGoodId() {
        try {
            return Files.exists(lastGoodFile) ? Optional.of(Files.readString(lastGoodFile).strip()).filter(s -> !s.isEmpty())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Records an applied revision, its modules (route file -> switched on) and the restart notice
     * (null when none), all at once.
     */
    void applied(Revision revision, String change, Map<String, Boolean> modules, String restartNeeded) {
        applied = new Applied(revision.id(), revision.message(), revision.time(), clock.instant(), change,
                Map.copyOf(modules), restartNeeded);
        if (rejected != null && rejected.id().equals(revision.id())) {
            rejected = null;
        }
        try {
            Files.createDirectories(lastGoodFile.getParent());
            Path tmp = lastGoodFile.resolveSibling("last-good-revision.tmp");
            Files.writeString(tmp, revision.id(), StandardCharsets.UTF_8);
            Files.move(tmp, lastGoodFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the agent runs on; only an offline restart would fall back further
            syncError = "cannot record last good revision: " + e.getMessage();
        }
    }

    /** Route files of the applied revision and whether this agent's settings switch them on. */
    public Map<String, Boolean> modules() {
        Applied a = applied;
        return a == null ? Map.of() : a.modules();
    }

    void rejected(Revision revision, List<Problem> problems) {
        rejected = new Rejected(revision.id(), revision.message(), clock.instant(), List.copyOf(problems));
    }

    public void synced(boolean ok, String error) {
        lastSyncAttempt = clock.instant();
        if (ok) {
            lastSync = lastSyncAttempt;
            syncError = null;
        } else {
            syncError = error;
        }
    }

    void source(String description) {
        source = description;
    }

    public Applied applied() {
        return applied;
    }

    public Rejected rejected() {
        return rejected;
    }

    public Instant lastSync() {
        return lastSync;
    }

    public String syncError() {
        return syncError;
    }

    /** A plain map for JSON output of the console. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        Applied applied = this.applied; // one read: the revision and its restart notice belong together
        Rejected rejected = this.rejected;
        if (applied != null) {
            m.put("appliedRevision", applied.id());
            m.put("appliedMessage", firstLine(applied.message()));
            m.put("appliedCommitTime", String.valueOf(applied.commitTime()));
            m.put("appliedAt", applied.appliedAt().toString());
            m.put("appliedChange", applied.change());
        }
        if (rejected != null) {
            m.put("rejectedRevision", rejected.id());
            m.put("rejectedMessage", firstLine(rejected.message()));
            m.put("rejectedAt", rejected.at().toString());
            m.put("rejectedError", rejected.error());
        }
        m.put("lastSync", lastSync == null ? null : lastSync.toString());
        m.put("lastSyncAttempt", lastSyncAttempt == null ? null : lastSyncAttempt.toString());
        if (syncError != null) {
            m.put("syncError", syncError);
        }
        if (applied != null && applied.restartNeeded() != null) {
            m.put("restartNeededFor", applied.restartNeeded());
        }
        return m;
    }

    static String firstLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("");
    }
}
