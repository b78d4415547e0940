package dev.nervesys.alerts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a notification looks like on each channel (docs/alerts.md, "Notifications"): the webhook's
 * JSON, Slack's text, the mail's subject and text, and Alertmanager's {@code /api/v2/alerts} body.
 */
final class Payloads {

    private final String agentId;
    private final String server;
    private final String consoleUrl;
    private final java.time.Duration dedupWindow;

    Payloads(String agentId, String server, String consoleUrl, java.time.Duration dedupWindow) {
        this.agentId = agentId;
        this.server = server;
        this.consoleUrl = consoleUrl;
        this.dedupWindow = dedupWindow;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The body and headers of one channel's delivery of a notification, for camel-http (webhook, alertmanager) or camel-mail. */
    void render(Notification n, AlertsConfig.Channel channel, org.apache.camel.Message m, String mailFrom, Instant now)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        switch (channel.type()) {
            case "webhook" -> {
                m.setHeader(org.apache.camel.Exchange.HTTP_URI, channel.url());
                m.setHeader(org.apache.camel.Exchange.HTTP_METHOD, "POST");
                m.setHeader(org.apache.camel.Exchange.CONTENT_TYPE, "application/json");
                Object body = channel.format().equals("slack") ? Map.of("text", slack(n)) : json(n);
                m.setBody(JSON.writeValueAsString(body));
            }
            case "alertmanager" -> {
                m.setHeader(org.apache.camel.Exchange.HTTP_URI, alertmanagerUri(channel.url()));
                m.setHeader(org.apache.camel.Exchange.HTTP_METHOD, "POST");
                m.setHeader(org.apache.camel.Exchange.CONTENT_TYPE, "application/json");
                m.setBody(JSON.writeValueAsString(alertmanager(n, now)));
            }
            default -> {
                m.setHeader("To", String.join(",", channel.to()));
                m.setHeader("From", mailFrom);
                m.setHeader("Subject", subject(n));
                m.setHeader(org.apache.camel.Exchange.CONTENT_TYPE, "text/plain; charset=UTF-8");
                m.setBody(mailText(n) + "\n" + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(n)) + "\n");
            }
        }
    }

    /** An alertmanager channel's url is Alertmanager's base URL; the alerts go to /api/v2/alerts under it. */
    static String alertmanagerUri(String base) {
        String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return b.endsWith("/api/v2/alerts") ? b : b + "/api/v2/alerts";
    }

    /** Webhook format json: the group, and its first alert's fields at the top (as before groups). */
    Map<String, Object> json(Notification n) {
        Notification.View a = n.first();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("status", n.status());
        p.put("repeat", n.repeat());
        p.put("group_key", n.groupKey());
        p.put("group", n.groupLabels());
        p.put("alert_id", a.id());
        p.put("agent_id", agentId);
        p.put("server", server);
        p.put("label", a.label());
        p.put("rule", a.rule());
        p.put("level", a.level());
        p.put("message", a.message());
        p.put("reason", a.reason());
        p.put("count", n.count());
        p.put("alerts", n.alertCount());
        p.put("folded", n.folded());
        p.put("new", n.newRecords());
        p.put("held_back", n.heldBack());
        p.put("coalesced", n.coalesced());
        p.put("first_seen", n.firstSeen().toString());
        p.put("last_seen", n.lastSeen().toString());
        p.put("samples", n.samples());
        p.put("more", n.more());
        p.put("summary", summary(n));
        p.put("fingerprint", a.fingerprint());
        p.put("console", consoleUrl);
        return p;
    }

    /**
     * One line: {@code 500 lines in 500 alerts of rule=text, label=critical since …: <samples> and
     * 495 more of rule=text, label=critical}, plus what a rate limit or the classifier's queue held back.
     */
    static String summary(Notification n) {
        StringBuilder b = new StringBuilder();
        if (n.resolved()) {
            b.append("resolved: ");
        } else if (n.repeat()) {
            b.append("still firing: ");
        }
        b.append(n.count()).append(n.count() == 1 ? " line" : " lines");
        if (n.alertCount() > 1) {
            b.append(" in ").append(n.alertCount()).append(" alerts");
        }
        if (n.folded() > 0) {
            b.append(" (").append(n.folded()).append(n.folded() == 1 ? " line" : " lines")
                    .append(" with other messages folded into the newest: the group's open alerts are capped)");
        }
        b.append(" of ").append(n.groupDescription()).append(" since ").append(n.firstSeen());
        b.append(": ").append(String.join(" | ", n.samples().stream().map(s -> abbreviate(s, 200)).toList()));
        if (n.more() > 0) {
            b.append(" (and ").append(n.more()).append(" more of ").append(n.groupDescription()).append(')');
        }
        if (n.heldBack() > 0) {
            b.append("; ").append(n.heldBack()).append(" more lines of ").append(n.groupDescription())
                    .append(" held back by ").append(heldBy(n)).append(" since ").append(n.heldBackSince());
        }
        return b.toString();
    }

    /** What held lines back: the rate limit, the classifier's queue under pressure (folded), or both. */
    static String heldBy(Notification n) {
        if (n.coalesced() == 0) {
            return "the rate limit";
        }
        String queue = "the classifier's queue under pressure";
        return n.coalesced() == n.heldBack() ? queue : "the rate limit and " + queue + " (" + n.coalesced() + ")";
    }

    String slack(Notification n) {
        Notification.View a = n.first();
        String icon = n.resolved() ? ":white_check_mark:" : ":rotating_light:";
        String more = n.others() > 0 ? " (+" + n.others() + " more of " + n.groupDescription() + ")" : "";
        String held = n.heldBack() > 0 ? ", " + n.heldBack() + " held back by " + heldBy(n) : "";
        return icon + (n.resolved() ? " RESOLVED" : "") + " [" + a.label() + "] " + agentId + " (" + server + "): "
                + abbreviate(a.message(), 300) + more + " (" + a.reason() + ", " + n.count() + "x since " + n.firstSeen()
                + held + ")";
    }

    String subject(Notification n) {
        Notification.View a = n.first();
        String more = n.others() > 0 ? " (+" + n.others() + " more)" : "";
        return "[nervesys] " + (n.resolved() ? "RESOLVED " : "") + a.label() + " on " + agentId + ": "
                + abbreviate(a.message(), 80) + more;
    }

    String mailText(Notification n) {
        StringBuilder b = new StringBuilder(slack(n)).append("\n\n").append(summary(n)).append('\n');
        if (consoleUrl != null) {
            b.append("console: ").append(consoleUrl).append('\n');
        }
        return b.toString();
    }

    /**
     * Alertmanager API v2 ({@code POST /api/v2/alerts}): one alert per alert of the group. Labels:
     * alertname (the classifier rule), severity (the label), agent, server, level, nervesys_group
     * (the alerts rule), fingerprint; annotations: summary (the message), description (the reason),
     * count, folded (lines of the group folded into this alert, when any); startsAt = first seen; endsAt = when it closed (resolved), or, firing, when it will close
     * unless a new record comes (last seen + dedup_window; the group's next notification moves it);
     * generatorURL = the agent's console.
     */
    List<Map<String, Object>> alertmanager(Notification n, Instant now) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Notification.View a : n.alerts()) {
            Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("alertname", a.rule());
            labels.put("severity", a.label());
            labels.put("agent", agentId);
            labels.put("server", server);
            labels.put("level", a.level());
            labels.put("nervesys_rule", n.groupKey().substring(0, n.groupKey().indexOf(':')));
            labels.put("fingerprint", a.fingerprint());
            Map<String, Object> ann = new LinkedHashMap<>();
            ann.put("summary", abbreviate(a.message(), 1000));
            ann.put("description", a.reason());
            ann.put("count", String.valueOf(a.count()));
            if (a.folded() > 0) {
                ann.put("folded", String.valueOf(a.folded()));
            }
            ann.put("last_seen", a.lastSeen().toString());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("labels", labels);
            m.put("annotations", ann);
            m.put("startsAt", a.firstSeen().toString());
            if (n.resolved() || a.closedAt() != null) {
                m.put("endsAt", (a.closedAt() == null ? now : a.closedAt()).toString());
            } else {
                m.put("endsAt", a.lastSeen().plus(dedupWindow).toString());
            }
            if (consoleUrl != null) {
                m.put("generatorURL", consoleUrl);
            }
            out.add(m);
        }
        return out;
    }

    static String abbreviate(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
