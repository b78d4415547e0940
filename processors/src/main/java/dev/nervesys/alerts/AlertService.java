package dev.nervesys.alerts;

import dev.nervesys.common.Backoff;
import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyState;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code alerts} (docs/alerts.md). Turns critical records into alerts, alerts into groups and
 * groups into deliveries, all in memory and without I/O, so that the classify route never waits:
 * <ul>
 * <li>dedup: a record whose fingerprint (rule, label, message with digits masked) has an open alert
 * seen within {@code dedup_window} only raises that alert's count;</li>
 * <li>groups ({@link AlertGroups}): alerts with the same {@code group_by} labels are notified
 * together, after group_wait, every group_interval, again after repeat_interval, and resolved;
 * rate limits apply per group and to the number of groups, never to lines;</li>
 * <li>retries: route {@code alerts-dispatch} takes the deliveries that are due ({@link #due}), sends
 * them with camel-http or camel-mail and reports back ({@link #delivered} / {@link #failed}); a
 * failure is retried after {@code retry.initial} doubling up to {@code retry.max}, at most
 * {@code retry.attempts} times. Waiting deliveries hold no thread.</li>
 * </ul>
 * Changed alerts are written to {@code alert_history} by route {@code alerts-history}
 * ({@link #historyRows} / {@link #historyWritten}); open ones go into every heartbeat.
 */
public final class AlertService implements StatusReporter, Dependency, MeterBinder, HeartbeatFigures.Alerts,
        CriticalRecord.Grouping {

    public static final String DELIVERY = "NervesysAlertDelivery";
    public static final String CHANNEL_TYPE = "NervesysAlertChannel";
    static final String HISTORY_VERSIONS = "NervesysAlertVersions";
    /** Headers read by {@link #external}: the alert's rule, label (default critical) and reason. */
    public static final String RULE = "NervesysAlertRule";
    public static final String LABEL = "NervesysAlertLevel";
    public static final String REASON = "NervesysAlertReason";

    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);
    private static final int HEARTBEAT_LIST = 50;
    /** Rows of alert_history written per tick of route alerts-history at most. */
    static final int HISTORY_BATCH = 2000;

    /** One channel's delivery of one group notification. */
    public static final class Delivery {
        final Notification notification;
        final AlertsConfig.Channel channel;
        int attempts;
        Instant nextAt;
        boolean inFlight;

        Delivery(Notification notification, AlertsConfig.Channel channel, Instant at) {
            this.notification = notification;
            this.channel = channel;
            this.nextAt = at;
        }

        public String channelName() {
            return channel.name();
        }

        public String notificationId() {
            return notification.id();
        }
    }

    private final AlertsConfig config;
    private final String agentId;
    private final String server;
    private final String mailFrom;
    private final Supplier<Instant> clock;
    private final Map<String, Alert> byFingerprint = new LinkedHashMap<>();
    private final List<Delivery> deliveries = new ArrayList<>();
    private final Set<Alert> dirty = new LinkedHashSet<>();
    private final AlertGroups groups;
    private final Payloads payloads;
    private Instant lastCloseCheck;
    /** Closed alerts still in memory (waiting for eviction): eviction skips its scan without any. */
    private int closedInMemory;
    private long raised;
    private long deduplicated;
    /** Lines with a new fingerprint folded into their group's newest alert (the group at max_open_per_group). */
    private long foldedInGroups;
    private long unrouted;
    private long evicted;
    private long sent;
    private long failedAttempts;
    private long gaveUp;
    private String lastAction;
    private final ChannelHealth channels;
    /** New alerts by label (the severity), at most {@value #MAX_SEVERITIES} labels, then "other". */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> raisedBySeverity = new java.util.concurrent.ConcurrentHashMap<>();
    static final int MAX_SEVERITIES = 20;
    private MeterRegistry registry;
    private final Silences silences = new Silences();

    public AlertService(AlertsConfig config, String agentId, String server, String mailFrom, Supplier<Instant> clock) {
        this(config, agentId, server, mailFrom, null, clock);
    }

    /** @param consoleUrl the agent's console, linked from notifications (Alertmanager's generatorURL); null = none */
    public AlertService(AlertsConfig config, String agentId, String server, String mailFrom, String consoleUrl,
                        Supplier<Instant> clock) {
        this.config = config;
        this.agentId = agentId;
        this.server = server;
        this.mailFrom = mailFrom;
        this.clock = clock;
        this.groups = new AlertGroups(config, agentId, server, dirty::add);
        this.groups.silencedBy(labels -> silences.matching(labels, clock.get()));
        this.payloads = new Payloads(agentId, server, consoleUrl, config.dedupWindow());
        this.channels = new ChannelHealth(config);
        for (AlertsConfig.Channel c : config.channels().values()) {
            if (!c.usable()) {
                LOG.warn("alert channel '{}' is not configured on this agent ({}): skipped", c.name(),
                        c.urlEnv() != null ? "environment variable " + c.urlEnv() + " unset" : "incomplete");
            }
        }
    }

    public AlertsConfig config() {
        return config;
    }

    /**
     * Route step of {@code classify-critical}: body = the records of the entry taken off the
     * classifier's queue (its own, then those held back while the queue was full). A name of its
     * own: an overloaded {@code raise(${body})} made Camel match the methods again for every entry.
     */
    public void raiseAll(List<CriticalRecord> records) {
        raise(records);
    }

    /** The critical records given, in order. */
    public void raise(List<CriticalRecord> records) {
        if (records == null) {
            return;
        }
        for (CriticalRecord r : records) {
            raise(r);
        }
    }

    /**
     * Route step (or endpoint {@code bean:alerts?method=external}) for alerts raised by other
     * capabilities rather than by the classifier, e.g. a failed report upload: body = the message,
     * headers {@value #RULE} (default {@code route-<from route id>}), {@value #LABEL} (the label
     * matched by the rules of config/alerts.yaml, default {@code critical}) and {@value #REASON}.
     * Deduplicated, rate-limited, delivered, written to alert_history and shown in the heartbeat
     * like any other alert.
     */
    public void external(Exchange ex) {
        Message m = ex.getMessage();
        String message = m.getBody(String.class);
        String rule = m.getHeader(RULE, String.class);
        String label = m.getHeader(LABEL, String.class);
        String reason = m.getHeader(REASON, String.class);
        String route = ex.getFromRouteId() == null ? "unknown" : ex.getFromRouteId();
        rule = rule == null || rule.isBlank() ? "route-" + route : rule;
        label = label == null || label.isBlank() ? "critical" : label;
        raise(new CriticalRecord(clock.get(), rule, label, label.toUpperCase(java.util.Locale.ROOT),
                message == null ? rule : message, reason == null || reason.isBlank() ? "raised by route " + route : reason));
    }

    public synchronized void raise(CriticalRecord r) {
        Instant now = clock.get();
        if (lastCloseCheck == null || !now.isBefore(lastCloseCheck.plusSeconds(1))) {
            closeQuiet(now); // at most once a second on this path: it scans every alert in memory
        }
        String fp = fingerprint(r);
        Alert open = byFingerprint.get(fp);
        if (open != null && open.closedAt == null && quiet(open, now)) {
            close(open, now);
        }
        if (open != null && open.closedAt == null) {
            open.count++;
            open.folded += r.coalesced();
            open.lastSeen = now;
            open.version++;
            dirty.add(open);
            deduplicated++;
            if (open.group != null) {
                groups.seen(open.group, now);
                groups.coalesced(open.group, r.coalesced(), now);
            }
            return;
        }
        AlertsConfig.Rule rule = config.route(r.label(), r.rule());
        List<String> channels = rule == null ? List.of() : rule.channels().stream()
                .filter(n -> config.channels().get(n).usable()).toList();
        Map<String, String> labels = null;
        String groupKey = null;
        if (rule != null && !channels.isEmpty()) {
            labels = groups.labels(r.rule(), r.label(), r.level(), r.message());
            groupKey = AlertGroups.key(rule, labels);
            AlertGroup g = groups.open(groupKey);
            Alert into = g == null ? null : g.foldTarget(config.grouping().maxOpenPerGroup());
            if (into != null) {
                // the group already holds max_open_per_group open alerts: this line is counted on the
                // group and folded into its newest alert instead of opening one more (docs/alerts.md, "Storms")
                into.folded += 1 + r.coalesced();
                into.lastSeen = now;
                into.version++;
                dirty.add(into);
                foldedInGroups++;
                groups.foldedIn(g, now);
                groups.coalesced(g, r.coalesced(), now);
                return;
            }
        }
        raised++;
        countSeverity(r.label());
        Alert a = new Alert(UUID.randomUUID().toString(), fp, r.rule(), r.label(), r.level(), r.message(), r.reason(), now, channels);
        a.folded = r.coalesced();
        if (labels == null) {
            a.status = "unrouted";
            unrouted++;
        } else {
            a.status = "pending";
            groups.add(a, rule, channels, labels, groupKey, now);
            groups.coalesced(a.group, r.coalesced(), now);
        }
        Alert before = byFingerprint.remove(fp);
        if (before != null && before.closedAt != null) {
            closedInMemory--;
        }
        byFingerprint.put(fp, a);
        dirty.add(a);
        evict();
    }

    /**
     * The group a record would join (its rule of config/alerts.yaml and {@code group_by} labels), or
     * for a record no rule routes, its own coalescing key: the classifier's queue folds by it when it
     * is full (docs/classify.md). Reads only the immutable config: no lock, safe on ingest threads.
     */
    @Override
    public String groupOf(CriticalRecord r) {
        AlertsConfig.Rule rule = config.route(r.label(), r.rule());
        return rule == null ? "unrouted\n" + r.coalescingKey()
                : rule.name() + ":" + AlertGroups.flat(groups.labels(r.rule(), r.label(), r.level(), r.message()));
    }

    /** Alerts quiet for a whole window are closed (a new record of the fingerprint opens a new alert). */
    private void closeQuiet(Instant now) {
        lastCloseCheck = now;
        for (Alert a : byFingerprint.values()) {
            if (a.closedAt == null && quiet(a, now)) {
                close(a, now);
            }
        }
    }

    private boolean quiet(Alert a, Instant now) {
        return a.lastSeen.plus(config.dedupWindow()).isBefore(now);
    }

    private void close(Alert a, Instant now) {
        if (a.group != null && a.group.alerts.contains(a)) {
            a.group.closed(a);
        }
        a.closedAt = now;
        a.version++;
        dirty.add(a);
        closedInMemory++;
    }

    /** Keeps memory bounded: the oldest closed alerts go first, then the oldest open ones (counted). */
    private void evict() {
        if (byFingerprint.size() <= config.maxOpen()) {
            return;
        }
        Iterator<Alert> it = byFingerprint.values().iterator();
        while (closedInMemory > 0 && byFingerprint.size() > config.maxOpen() && it.hasNext()) {
            Alert a = it.next();
            if (a.closedAt != null && !dirty.contains(a)) {
                it.remove();
                closedInMemory--;
                groups.evicted(a);
            }
        }
        // open ones: the oldest of a group that keeps others in memory (a storm's), so that a small
        // group (a new problem) keeps its alert; failing that, the oldest
        while (byFingerprint.size() > config.maxOpen()) {
            Alert victim = null;
            int scanned = 0;
            for (Alert a : byFingerprint.values()) {
                if (a.group == null || a.group.alerts.size() > 1 || ++scanned > 64) {
                    victim = a;
                    break;
                }
            }
            if (victim == null) {
                victim = byFingerprint.values().iterator().next();
            }
            byFingerprint.remove(victim.fingerprint);
            if (victim.closedAt != null) {
                closedInMemory--;
            }
            groups.evicted(victim);
            evicted++;
        }
    }

    static String fingerprint(CriticalRecord r) {
        String msg = r.message() == null ? "" : r.message();
        StringBuilder norm = new StringBuilder(Math.min(msg.length(), 200));
        for (int i = 0; i < msg.length() && norm.length() < 200; i++) {
            char c = msg.charAt(i);
            norm.append(Character.isDigit(c) ? '#' : Character.toLowerCase(c));
        }
        byte[] h = SHA256.get().digest((r.rule() + '\n' + r.label() + '\n' + norm).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(h, 0, 12);
    }

    /** One digest per thread: looking the algorithm up for every alert showed in a storm's profile. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** Route step: the deliveries due now (at most 20), marked in flight; groups due are flushed first. */
    public synchronized List<Delivery> due() {
        Instant now = clock.get();
        closeQuiet(now);
        for (Notification n : groups.flush(now)) {
            lastAction = "alert group " + n.groupKey() + " " + n.status() + " (" + n.count() + " lines)";
            for (String name : n.channels()) {
                deliveries.add(new Delivery(n, config.channels().get(name), now));
            }
        }
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            if (!d.inFlight && !d.nextAt.isAfter(now)) {
                d.inFlight = true;
                out.add(d);
                if (out.size() == 20) {
                    break;
                }
            }
        }
        return out;
    }

    /** Route step: the body and headers of one delivery, for camel-http (webhook) or camel-mail. */
    public void prepare(Exchange ex) throws Exception {
        Delivery d = ex.getIn().getBody(Delivery.class);
        ex.setProperty(DELIVERY, d);
        ex.setProperty(CHANNEL_TYPE, d.channel.type());
        Message m = ex.getIn();
        m.removeHeaders("*");
        payloads.render(d.notification, d.channel, m, mailFrom, clock.get());
    }

    private static String abbreviate(String s, int max) {
        return Payloads.abbreviate(s, max);
    }

    /** Route step after a successful send. */
    public synchronized void delivered(Exchange ex) {
        Delivery d = ex.getProperty(DELIVERY, Delivery.class);
        if (d == null) {
            return;
        }
        deliveries.remove(d);
        sent++;
        channels.sent(d.channel.name());
        for (Alert a : d.notification.included()) {
            a.attempts++;
            if (!"sent".equals(a.status)) {
                a.status = "sent";
                a.lastError = null;
            }
            a.version++;
            dirty.add(a);
        }
        lastAction = "alert group " + d.notification.groupKey() + " " + d.notification.status() + " sent to " + d.channel.name();
    }

    /** Route step in doCatch: schedule a retry with backoff, or give up after the last attempt. */
    public synchronized void failed(Exchange ex) {
        Delivery d = ex.getProperty(DELIVERY, Delivery.class);
        if (d == null) {
            return;
        }
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String error = cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        failedAttempts++;
        channels.failed(d.channel.name(), error, clock.get());
        d.attempts++;
        d.inFlight = false;
        boolean giveUp = d.attempts >= config.maxAttempts();
        for (Alert a : d.notification.included()) {
            a.attempts++;
            a.lastError = d.channel.name() + ": " + abbreviate(error, 500);
            if (giveUp && !"sent".equals(a.status)) {
                a.status = "failed";
            }
            a.version++;
            dirty.add(a);
        }
        String what = d.notification.groupKey() + " (" + d.notification.status() + ")";
        if (giveUp) {
            deliveries.remove(d);
            gaveUp++;
            LOG.warn("alert group {} to {} failed {} times, giving up: {}", what, d.channel.name(), d.attempts, error);
        } else {
            Duration delay = Backoff.delay(config.retryInitial(), config.retryMax(), d.attempts);
            d.nextAt = clock.get().plus(delay);
            LOG.warn("alert group {} to {} failed (attempt {}), retry in {} ms: {}", what, d.channel.name(), d.attempts, delay.toMillis(), error);
        }
    }

    /**
     * Route step of {@code alerts-silences}: the rows of alert_silence not expired (camel-sql's maps,
     * column names as keys). A row that does not parse is skipped with a warning.
     */
    public void silences(List<Map<String, Object>> rows) {
        silences.replace(rows);
    }

    /**
     * The silences of alert_silence not expired, as the management API read them right after it
     * wrote one (docs/alerts.md, "Silences"): applied at once rather than at route alerts-silences'
     * next tick, which replaces them again.
     */
    public void applySilences(List<Silence> current) {
        silences.set(current);
    }

    /** The agent's clock, as this bean reads it (silences written by the management API start now). */
    public Instant now() {
        return clock.get();
    }

    /** The silences in force now (for the console and the management API). */
    public List<Silence> activeSilences() {
        return silences.active(clock.get());
    }

    /** Route step: rows of alert_history to upsert (alerts changed since they were last written), at most {@value #HISTORY_BATCH}. */
    public synchronized List<Map<String, Object>> historyRows(Exchange ex) {
        closeQuiet(clock.get());
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        for (Alert a : dirty) {
            if (rows.size() == HISTORY_BATCH) {
                break; // the rest at the next tick: a storm's thousands of new alerts never hold the lock long
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("alert_id", a.id);
            r.put("agent_id", agentId);
            r.put("server", server);
            r.put("fingerprint", a.fingerprint);
            r.put("rule", a.rule);
            r.put("label", a.label);
            r.put("level", a.level);
            r.put("message", a.message);
            r.put("first_seen", a.firstSeen.toString());
            r.put("last_seen", a.lastSeen.toString());
            r.put("count", a.count);
            r.put("folded", a.folded);
            r.put("status", a.status);
            r.put("channels", String.join(",", a.channels));
            r.put("attempts", a.attempts);
            r.put("last_error", a.lastError);
            r.put("closed_at", a.closedAt == null ? null : a.closedAt.toString());
            rows.add(r);
            versions.put(a.id, a.version);
        }
        if (ex != null) {
            ex.setProperty(HISTORY_VERSIONS, versions);
        }
        return rows;
    }

    /** Route step after the upsert: alerts not changed meanwhile are clean again. */
    @SuppressWarnings("unchecked")
    public synchronized void historyWritten(Exchange ex) {
        Map<String, Long> versions = ex.getProperty(HISTORY_VERSIONS, Map.class);
        if (versions == null) {
            return;
        }
        dirty.removeIf(a -> versions.containsKey(a.id) && versions.get(a.id) == a.version);
    }

    /**
     * The true number of open alerts: those in memory, and those dropped from memory (max_open) while
     * their group is still open (not capped by the heartbeat's list).
     */
    @Override
    public synchronized long openCount() {
        closeQuiet(clock.get());
        long n = 0;
        for (Alert a : byFingerprint.values()) {
            if (a.closedAt == null) {
                n++;
            }
        }
        return n + groups.evictedOpen();
    }

    /**
     * Critical lines of the open alerts, folded ones included: every line of the open groups (which
     * keep counting the lines of alerts evicted from memory) and of open alerts no rule routes.
     */
    @Override
    public synchronized long openLines() {
        closeQuiet(clock.get());
        long n = groups.openLines();
        for (Alert a : byFingerprint.values()) {
            if (a.closedAt == null && a.group == null) {
                n += a.count + a.folded;
            }
        }
        return n;
    }

    /** Open alert groups. */
    @Override
    public synchronized long openGroups() {
        return groups.openGroups();
    }

    /** Open alerts for the heartbeat's alerts column (newest first, at most 50). */
    @Override
    public synchronized List<Map<String, Object>> openAlerts() {
        closeQuiet(clock.get());
        List<Map<String, Object>> out = new ArrayList<>();
        List<Alert> all = new ArrayList<>(byFingerprint.values());
        for (int i = all.size() - 1; i >= 0 && out.size() < HEARTBEAT_LIST; i--) {
            Alert a = all.get(i);
            if (a.closedAt == null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("alert_id", a.id);
                m.put("rule", a.rule);
                m.put("label", a.label);
                m.put("message", abbreviate(a.message, 200));
                m.put("count", a.count);
                m.put("folded", a.folded);
                m.put("status", a.status);
                m.put("group", a.group == null ? null : a.group.describe());
                m.put("first_seen", a.firstSeen.toString());
                m.put("last_seen", a.lastSeen.toString());
                out.add(m);
            }
        }
        return out;
    }

    @Override
    public synchronized String lastAction() {
        return lastAction;
    }

    private void countSeverity(String label) {
        String severity = label == null || label.isBlank() ? "none" : label;
        java.util.concurrent.atomic.AtomicLong c = raisedBySeverity.get(severity);
        if (c == null) {
            if (raisedBySeverity.size() >= MAX_SEVERITIES) {
                severity = "other";
            }
            c = raisedBySeverity.computeIfAbsent(severity, k -> new java.util.concurrent.atomic.AtomicLong());
            bindSeverity(severity, c);
        }
        c.incrementAndGet();
    }

    @Override
    public String dependencyName() {
        return "alerts";
    }

    /** The {@code alerts} dependency (webhook and mail channels): degraded while a channel's last delivery failed. */
    @Override
    public synchronized DependencyState dependencyState() {
        return channels.state(deliveries.size());
    }

    /** Prometheus: nervesys_alerts_* (docs/alerts.md, docs/operations.md); channel names come from config/alerts.yaml. */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        FunctionCounter.builder("nervesys.alerts.deduplicated", this, a -> a.deduplicated)
                .description("Critical records folded into an open alert").register(registry);
        FunctionCounter.builder("nervesys.alerts.folded", this, a -> a.foldedInGroups)
                .description("Critical lines with a new fingerprint folded into their group's newest alert (max_open_per_group)")
                .register(registry);
        FunctionCounter.builder("nervesys.alerts.rate.limited", this, a -> a.groups.heldBackRecords)
                .description("Critical lines held back from a notification by a rate limit (reported by the group's next one)")
                .register(registry);
        FunctionCounter.builder("nervesys.alerts.notifications", this, a -> a.groups.notifications)
                .description("Group notifications made (each goes to every channel of its rule)").register(registry);
        Gauge.builder("nervesys.alerts.open.groups", this, a -> a.openGroups())
                .description("Open alert groups").register(registry);
        FunctionCounter.builder("nervesys.alerts.unrouted", this, a -> a.unrouted)
                .description("Alerts no rule routes to a usable channel").register(registry);
        Gauge.builder("nervesys.alerts.open", this, a -> a.openCount())
                .description("Open alerts (not closed by a quiet dedup window)").register(registry);
        Gauge.builder("nervesys.alerts.pending.deliveries", this, a -> a.pendingDeliveries())
                .description("Deliveries waiting to be sent or retried").register(registry);
        channels.bindTo(registry);
        // the usual label's series exists from the start, so that increase() sees the first alert
        raisedBySeverity.computeIfAbsent("critical", k -> new java.util.concurrent.atomic.AtomicLong());
        raisedBySeverity.forEach(this::bindSeverity);
    }

    private synchronized void bindSeverity(String severity, java.util.concurrent.atomic.AtomicLong c) {
        if (registry != null) {
            FunctionCounter.builder("nervesys.alerts.raised", c, java.util.concurrent.atomic.AtomicLong::get)
                    .description("New alerts raised, by severity (the alert's label)").tag("severity", severity)
                    .register(registry);
        }
    }

    private synchronized int pendingDeliveries() {
        return deliveries.size();
    }

    @Override
    public String statusName() {
        return "alerts";
    }

    @Override
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("raised", raised);
        m.put("deduplicated", deduplicated);
        m.put("foldedInGroups", foldedInGroups);
        m.put("notifications", groups.notifications);
        m.put("rateLimited", groups.heldBackRecords);
        m.put("coalesced", groups.coalescedRecords);
        m.put("heldBackNotifications", groups.heldBackFlushes);
        m.put("unrouted", unrouted);
        m.put("evicted", evicted);
        m.put("sent", sent);
        m.put("failedAttempts", failedAttempts);
        m.put("gaveUp", gaveUp);
        m.put("pendingDeliveries", deliveries.size());
        m.put("open", openCount());
        m.put("openGroups", (long) groups.openGroups());
        m.put("openLines", openLines());
        m.put("historyUnwritten", dirty.size());
        List<String> names = new ArrayList<>();
        config.channels().values().forEach(c -> names.add(c.name() + " (" + c.type() + (c.usable() ? "" : ", not configured") + ")"));
        m.put("channels", names);
        m.put("byChannel", channels.status());
        m.put("groups", groups.describe(clock.get()));
        m.put("silences", activeSilences().stream().map(Silence::toMap).toList());
        m.put("silencedGroups", groups.silencedFlushes);
        return m;
    }
}
