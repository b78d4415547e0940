package dev.nervesys.alerts;

import dev.nervesys.spi.CriticalRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The grouping of alerts into notifications, the way Prometheus Alertmanager does it (docs/alerts.md,
 * "Groups"), on the agent's clock and without I/O:
 * <ul>
 * <li>a new group waits {@code group_wait} for its siblings, then one notification carries it;</li>
 * <li>news of an open group are batched every {@code group_interval}; an unchanged open group is
 * repeated after {@code repeat_interval}; a group whose last record is older than the dedup window
 * closes with a resolved notification (when a firing one went out);</li>
 * <li>limits never hide a new problem: {@code rate_limit.alerts} notifications per group per
 * period, and a global ceiling of {@code rate_limit.groups} distinct groups notified per period
 * (a storm is one group, whatever its number of lines). What a limit holds back is counted and
 * reported by the group's next notification.</li>
 * </ul>
 * Guarded by AlertService (not thread-safe on its own).
 */
final class AlertGroups {

    /** Above this many open groups, new groups fold into one overflow group (bounded memory). */
    static final String OVERFLOW = "overflow";

    private final AlertsConfig config;
    private final String agentId;
    private final String server;
    private final Map<String, AlertGroup> groups = new LinkedHashMap<>();
    /** Per group: when its last notifications went out (at most rate_limit.alerts within the period). */
    private final Map<String, ArrayDeque<Instant>> perGroup = new LinkedHashMap<>();
    /** Groups notified within the period, by the time of their last notification (the global ceiling). */
    private final Map<String, Instant> notifiedGroups = new LinkedHashMap<>();
    private Function<Map<String, String>, String> silences = labels -> null;
    /** Told of every alert whose status the grouping changed (alert_history). */
    private final java.util.function.Consumer<Alert> changed;
    long notifications;
    long heldBackRecords;
    /** Critical lines the classifier's queue folded into another under pressure (reported as held back). */
    long coalescedRecords;
    /** Lines folded into their group's newest alert (max_open_per_group). */
    long foldedRecords;
    long heldBackFlushes;
    long silencedFlushes;

    AlertGroups(AlertsConfig config, String agentId, String server, java.util.function.Consumer<Alert> changed) {
        this.changed = changed;
        this.config = config;
        this.agentId = agentId;
        this.server = server;
    }

    /** Which silence (its id) holds back a group with these labels, or null. */
    void silencedBy(Function<Map<String, String>, String> silences) {
        this.silences = silences;
    }

    /** Puts a new alert into its group (made when needed); the group's first alert starts group_wait. */
    void add(Alert a, AlertsConfig.Rule route, List<String> channels, Instant now) {
        Map<String, String> labels = labels(a);
        add(a, route, channels, labels, key(route, labels), now);
    }

    /** The same with the alert's group labels and key already computed ({@link #key}). */
    void add(Alert a, AlertsConfig.Rule route, List<String> channels, Map<String, String> labels, String key, Instant now) {
        AlertGroup g = groups.get(key);
        if (g == null && openGroups() >= config.maxOpen()) {
            labels = Map.of(OVERFLOW, "true");
            key = route.name() + ":" + flat(labels);
            g = groups.get(key);
        }
        if (g == null) {
            g = new AlertGroup(key, labels, route, channels, now);
            g.nextFlushAt = now.plus(config.grouping().groupWait());
            groups.put(key, g);
        }
        a.group = g;
        if (g.representative == null) {
            g.representative = Notification.View.of(a);
        }
        g.alerts.add(a);
        g.opened(a);
        seen(g, now);
    }

    /** A group's key: the alerts rule's name and its group labels, e.g. {@code every-critical:{rule="text", ...}}. */
    static String key(AlertsConfig.Rule route, Map<String, String> labels) {
        return route.name() + ":" + flat(labels);
    }

    /** The open group of this key, or null. */
    AlertGroup open(String key) {
        return groups.get(key);
    }

    /**
     * One more line of the group with a fingerprint of its own, folded into the group's newest alert
     * because the group holds {@code max_open_per_group} open alerts: counted like any line of the
     * group (and in {@link AlertGroup#folded}), not held back.
     */
    void foldedIn(AlertGroup g, Instant now) {
        g.folded++;
        foldedRecords++;
        seen(g, now);
    }

    /** One more record of an alert of the group. */
    void seen(AlertGroup g, Instant now) {
        g.count++;
        g.lastSeen = now;
        if (g.nextFlushAt == null && g.lastNotifiedAt != null) {
            Instant next = g.lastNotifiedAt.plus(config.grouping().groupInterval());
            g.nextFlushAt = next.isBefore(now) ? now : next;
        }
    }

    /**
     * {@code n} more lines of the group that the classifier's queue folded into the record just
     * raised (docs/alerts.md, "Storms"): counted, and reported by the group's next notification as
     * held back.
     */
    void coalesced(AlertGroup g, long n, Instant now) {
        if (n <= 0) {
            return;
        }
        coalescedRecords += n;
        g.count += n;
        g.heldBack += n;
        g.coalesced += n;
        if (g.heldBackSince == null) {
            g.heldBackSince = now;
        }
    }

    /** An alert of the group left memory while open: it stays counted until the group closes. */
    void evicted(Alert a) {
        if (a.group != null && a.group.alerts.remove(a) && a.closedAt == null) {
            a.group.evictedOpen++;
        }
    }

    /** The notifications due at {@code now}; closes quiet groups (resolved notifications). */
    List<Notification> flush(Instant now) {
        List<Notification> out = new ArrayList<>();
        Duration per = config.ratePer();
        notifiedGroups.values().removeIf(t -> !t.plus(per).isAfter(now));
        Iterator<AlertGroup> it = groups.values().iterator();
        while (it.hasNext()) {
            AlertGroup g = it.next();
            // quiet for the dedup window: closed, but not before its first notification went out
            // (or a silence held it back): a dedup_window shorter than group_wait loses nothing
            if (g.lastSeen.plus(config.dedupWindow()).isBefore(now)
                    && (g.notified() || g.silencedBy != null || g.nextFlushAt == null)) {
                it.remove();
                perGroup.remove(g.key);
                if (g.notified()) {
                    out.add(notification(g, "resolved", false, now));
                }
                continue;
            }
            boolean repeat = false;
            if (g.nextFlushAt == null && g.notified() && !g.lastNotifiedAt.plus(config.grouping().repeatInterval()).isAfter(now)) {
                g.nextFlushAt = now;
                repeat = true;
            }
            if (g.nextFlushAt == null || g.nextFlushAt.isAfter(now)) {
                continue;
            }
            String silence = silences.apply(silenceLabels(g));
            if (silence != null) {
                // held back while the silence lasts (checked at every tick); its expiry lets the group through
                if (!silence.equals(g.silencedBy)) {
                    silencedFlushes++;
                }
                g.silencedBy = silence;
                markAll(g, "silenced");
                continue;
            }
            g.silencedBy = null;
            if (!allowed(g, now)) {
                long held = g.count - g.notifiedCount - g.heldBack;
                if (held > 0 || g.heldBack == 0) {
                    heldBackFlushes++;
                }
                if (g.heldBackSince == null) {
                    g.heldBackSince = now;
                }
                heldBackRecords += Math.max(0, held);
                g.heldBack += Math.max(0, held);
                markAll(g, "rate_limited");
                g.nextFlushAt = retryAt(g, now);
                continue;
            }
            Notification n = notification(g, "firing", repeat && g.count == g.notifiedCount, now);
            take(g, now);
            g.notifiedCount = g.count;
            g.heldBack = 0;
            g.coalesced = 0;
            g.heldBackSince = null;
            g.lastNotifiedAt = now;
            g.nextFlushAt = null;
            out.add(n);
        }
        notifications += out.size();
        return out;
    }

    private boolean allowed(AlertGroup g, Instant now) {
        ArrayDeque<Instant> sent = perGroup.get(g.key);
        if (sent != null) {
            while (!sent.isEmpty() && !sent.peekFirst().plus(config.ratePer()).isAfter(now)) {
                sent.pollFirst();
            }
            if (sent.size() >= config.rateLimit()) {
                return false;
            }
        }
        return notifiedGroups.containsKey(g.key) || notifiedGroups.size() < config.rateGroups();
    }

    /** When a held-back group may try again: when its own limit frees, else at the next tick (the ceiling). */
    private Instant retryAt(AlertGroup g, Instant now) {
        ArrayDeque<Instant> sent = perGroup.get(g.key);
        if (sent != null && sent.size() >= config.rateLimit()) {
            return sent.peekFirst().plus(config.ratePer());
        }
        Instant oldest = notifiedGroups.values().stream().min(Instant::compareTo).orElse(now);
        Instant t = oldest.plus(config.ratePer());
        return t.isAfter(now) ? t : now;
    }

    private void take(AlertGroup g, Instant now) {
        perGroup.computeIfAbsent(g.key, k -> new ArrayDeque<>()).addLast(now);
        notifiedGroups.remove(g.key);
        notifiedGroups.put(g.key, now);
    }

    private void markAll(AlertGroup g, String status) {
        for (Alert a : g.alerts) {
            if ("pending".equals(a.status) || "rate_limited".equals(a.status) || "silenced".equals(a.status)) {
                if (!status.equals(a.status)) {
                    a.status = status;
                    a.version++;
                    changed.accept(a);
                }
            }
        }
    }

    private Notification notification(AlertGroup g, String status, boolean repeat, Instant now) {
        List<Notification.View> views = new ArrayList<>(g.alerts.size());
        List<String> samples = new ArrayList<>();
        List<Alert> included = new ArrayList<>();
        List<Alert> all = new ArrayList<>(g.alerts);
        if (all.isEmpty()) {
            views.add(g.representative);
            samples.add(g.representative.message());
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Alert a = all.get(i);
            views.add(Notification.View.of(a));
            if (samples.size() < config.grouping().samples()) {
                samples.add(a.message);
            }
            if (!"sent".equals(a.status)) {
                included.add(a);
            }
        }
        return new Notification(UUID.randomUUID().toString(), status, repeat, g.key, g.labels, g.describe(),
                g.channels, g.count, g.opened, g.folded, g.count - g.notifiedCount, g.heldBack, g.coalesced, g.heldBackSince,
                g.firstSeen, g.lastSeen, now, views, samples, included);
    }

    /** What a silence matches: the group's labels, agent, server and alert_rule (the rule of config/alerts.yaml). */
    private Map<String, String> silenceLabels(AlertGroup g) {
        Map<String, String> m = new LinkedHashMap<>(g.labels);
        m.putIfAbsent("agent", agentId);
        m.putIfAbsent("server", server);
        m.put("alert_rule", g.route.name());
        return m;
    }

    Map<String, String> labels(Alert a) {
        return labels(a.rule, a.label, a.level, a.message);
    }

    /** The group labels of an alert of these fields (reads only the config: safe on any thread). */
    Map<String, String> labels(String rule, String label, String level, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : config.grouping().groupBy()) {
            m.put(l, switch (l) {
                case "rule" -> rule;
                case "agent" -> agentId;
                case "server" -> server;
                case "label" -> label;
                case "level" -> level;
                case "template" -> template(message);
                default -> throw new IllegalStateException(l);
            });
        }
        return m;
    }

    /** The message template of group label {@code template} ({@link CriticalRecord#template}). */
    static String template(String message) {
        return CriticalRecord.template(message);
    }

    /** Alertmanager's way: {@code {rule="text", agent="a1"}}. */
    static String flat(Map<String, String> labels) {
        StringBuilder b = new StringBuilder("{");
        labels.forEach((k, v) -> b.append(b.length() == 1 ? "" : ", ").append(k).append("=\"")
                .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
        return b.append('}').toString();
    }

    int openGroups() {
        return groups.size();
    }

    /** Critical lines of the open groups (each group's count: its alerts' lines and those folded into them). */
    long openLines() {
        long n = 0;
        for (AlertGroup g : groups.values()) {
            n += g.count;
        }
        return n;
    }

    /** Alerts dropped from memory while their group is open: still open. */
    long evictedOpen() {
        long n = 0;
        for (AlertGroup g : groups.values()) {
            n += g.evictedOpen;
        }
        return n;
    }

    /** Groups for the console: key, labels, counts, state. */
    List<Map<String, Object>> describe(Instant now) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AlertGroup g : groups.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", g.describe());
            m.put("rule", g.route.name());
            m.put("alerts", g.opened);
            m.put("openAlerts", g.openAlerts());
            m.put("folded", g.folded);
            m.put("count", g.count);
            m.put("firstSeen", g.firstSeen.toString());
            m.put("lastSeen", g.lastSeen.toString());
            m.put("lastNotified", g.lastNotifiedAt == null ? null : g.lastNotifiedAt.toString());
            m.put("nextNotification", g.nextFlushAt == null ? null : g.nextFlushAt.toString());
            m.put("heldBack", g.heldBack);
            m.put("silencedBy", g.silencedBy);
            out.add(m);
        }
        return out;
    }
}
