package dev.nervesys.alerts;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One group of alerts (docs/alerts.md, "Groups"): the alerts whose {@code group_by} labels are the
 * same and that one rule of config/alerts.yaml routes, notified together. Guarded by AlertService.
 */
final class AlertGroup {
    /** The alerts rule name and the group labels, e.g. {@code every-critical:{rule="text", agent="a1", label="critical"}}. */
    final String key;
    final Map<String, String> labels;
    final AlertsConfig.Rule route;
    final List<String> channels;
    final Instant firstSeen;
    Instant lastSeen;
    /** Critical records folded into the group (all its alerts' counts). */
    long count;
    /** Records already reported by a sent notification. */
    long notifiedCount;
    /** The group's alerts still in memory, oldest first. */
    final LinkedHashSet<Alert> alerts = new LinkedHashSet<>();
    /** Alerts of the group that were dropped from memory (max_open) while open: still counted as open. */
    long evictedOpen;
    /** Distinct alerts ever opened in the group. */
    long opened;
    /** Open alerts of the group: in memory and not closed, plus {@link #evictedOpen} (kept by {@link #opened(Alert)} and {@link #closed(Alert)}). */
    int open;
    /** The alert opened last: where lines are folded once the group holds max_open_per_group open alerts. */
    Alert newest;
    /** Lines with a fingerprint of their own folded into the newest alert (the group at max_open_per_group). */
    long folded;
    /** When the group's next notification is due; null = nothing to say. */
    Instant nextFlushAt;
    Instant lastNotifiedAt;
    /** Records held back by a rate limit since the last sent notification. */
    long heldBack;
    /** Of those, lines the classifier's queue folded under pressure (not rate-limited). */
    long coalesced;
    Instant heldBackSince;
    /** The group's first alert as it came: what a notification shows when memory no longer holds any of its alerts. */
    Notification.View representative;
    /** Held back by a silence (the matching silence's id), or null. */
    String silencedBy;

    AlertGroup(String key, Map<String, String> labels, AlertsConfig.Rule route, List<String> channels, Instant at) {
        this.key = key;
        this.labels = labels;
        this.route = route;
        this.channels = channels;
        this.firstSeen = at;
        this.lastSeen = at;
    }

    void opened(Alert a) {
        opened++;
        open++;
        newest = a;
    }

    /** An alert of the group (in memory) closed: a quiet dedup window. */
    void closed(Alert a) {
        open--;
    }

    /**
     * The alert a line with a new fingerprint is folded into when the group already holds
     * {@code max} open alerts (its newest, if still open and in memory), or null: the line opens an
     * alert of its own.
     */
    Alert foldTarget(int max) {
        if (open < max || newest == null || newest.closedAt != null || !alerts.contains(newest)) {
            return null;
        }
        return newest;
    }

    boolean notified() {
        return lastNotifiedAt != null;
    }

    /** Open alerts of the group: those in memory not closed, plus the evicted ones ({@link #open}). */
    long openAlerts() {
        return open;
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        labels.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }
}
