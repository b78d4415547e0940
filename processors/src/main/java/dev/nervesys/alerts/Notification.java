package dev.nervesys.alerts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One notification of one alert group, frozen when the group was flushed (docs/alerts.md,
 * "Notifications"): what every channel of the group's rule receives.
 *
 * @param status       {@code firing} or {@code resolved}
 * @param repeat       an unchanged open group repeated after {@code repeat_interval}
 * @param count        critical records in the group since it opened
 * @param alertCount   distinct alerts (fingerprints) in the group since it opened
 * @param folded       lines with a fingerprint of their own folded into the group's newest alert, as
 *                     the group held {@code max_open_per_group} open alerts (no alert of their own)
 * @param newRecords   records not reported by an earlier notification
 * @param heldBack     records held back from earlier notifications (reported now): by a rate limit, or
 *                     folded by the classifier's queue under pressure
 * @param coalesced    of {@code heldBack}, the records the classifier's queue folded
 * @param alerts       the group's alerts in memory, newest first (Alertmanager gets each of them)
 * @param samples      up to {@code samples} messages, newest first
 * @param included     alerts whose status becomes sent once a channel took this notification
 */
record Notification(String id, String status, boolean repeat, String groupKey, Map<String, String> groupLabels,
                    String groupDescription, List<String> channels, long count, long alertCount, long folded, long newRecords,
                    long heldBack, long coalesced, Instant heldBackSince, Instant firstSeen, Instant lastSeen, Instant at,
                    List<View> alerts, List<String> samples, List<Alert> included) {

    /** One alert as it was when the notification was made. */
    record View(String id, String fingerprint, String rule, String label, String level, String message, String reason,
                long count, long folded, Instant firstSeen, Instant lastSeen, Instant closedAt) {
        static View of(Alert a) {
            return new View(a.id, a.fingerprint, a.rule, a.label, a.level, a.message, a.reason, a.count, a.folded,
                    a.firstSeen, a.lastSeen, a.closedAt);
        }
    }

    boolean resolved() {
        return status.equals("resolved");
    }

    /** Distinct alerts not shown as samples, and the lines folded into the newest one (each had a message of its own). */
    long more() {
        return Math.max(0, alertCount + folded - samples.size());
    }

    /** Besides the first alert: the other alerts and the lines folded into the newest. */
    long others() {
        return alertCount - 1 + folded;
    }

    /** The representative alert: the group's first one still in memory. */
    View first() {
        return alerts.get(alerts.size() - 1);
    }
}
