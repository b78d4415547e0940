package dev.nervesys.alerts;

import java.time.Instant;
import java.util.List;

/**
 * One alert: all critical records of one fingerprint within the dedup window, the unit of
 * alert_history. Notifications go out per {@link AlertGroup}. Guarded by AlertService.
 */
final class Alert {
    final String id;
    final String fingerprint;
    final String rule;
    final String label;
    final String level;
    final String message;
    final String reason;
    final Instant firstSeen;
    final List<String> channels;
    Instant lastSeen;
    long count = 1;
    /**
     * Critical lines of the same group that the classifier's queue folded into the records of this
     * alert (docs/alerts.md, "Storms"): they have no alert of their own, so this row stands for
     * {@code count + folded} lines (alert_history column {@code folded}).
     */
    long folded;
    String status;
    int attempts;
    String lastError;
    Instant closedAt;
    long version;
    /** The group it belongs to (null when unrouted: unrouted alerts are recorded, never notified). */
    AlertGroup group;

    Alert(String id, String fingerprint, String rule, String label, String level, String message, String reason,
          Instant at, List<String> channels) {
        this.id = id;
        this.fingerprint = fingerprint;
        this.rule = rule;
        this.label = label;
        this.level = level;
        this.message = message;
        this.reason = reason;
        this.firstSeen = at;
        this.lastSeen = at;
        this.channels = channels;
    }
}
