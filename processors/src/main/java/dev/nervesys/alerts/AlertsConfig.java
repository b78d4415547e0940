package dev.nervesys.alerts;

import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.Sizes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * config/alerts.yaml (docs/alerts.md): where alerts go (channels), which alerts go where (rules),
 * and the dedup window, rate limit and retry policy. Parse errors are {@code file:line: reason}.
 */
public record AlertsConfig(Duration dedupWindow, int rateLimit, int rateGroups, Duration ratePer, int maxAttempts,
                           Duration retryInitial, Duration retryMax, int maxOpen, Grouping grouping,
                           Map<String, Channel> channels, List<Rule> rules) {

    public static final String FILE = "config/alerts.yaml";
    /** The labels an alert group can be keyed by ({@code group_by}). */
    public static final List<String> GROUP_LABELS = List.of("rule", "agent", "server", "label", "level", "template");
    static final List<String> CHANNEL_TYPES = List.of("webhook", "mail", "alertmanager");

    /**
     * How alerts are grouped into notifications, the way Alertmanager does it: by the labels of
     * {@code group_by}; a new group waits {@code group_wait} for siblings, an open group's news are
     * batched every {@code group_interval}, an unchanged open group is repeated after
     * {@code repeat_interval}; a notification shows at most {@code samples} sample lines. A group
     * keeps at most {@code max_open_per_group} distinct alerts open: further lines with a new
     * fingerprint are folded into the group's newest alert and counted (docs/alerts.md, "Storms").
     */
    public record Grouping(List<String> groupBy, Duration groupWait, Duration groupInterval, Duration repeatInterval,
                           int samples, int maxOpenPerGroup) {
        static Grouping defaults() {
            return new Grouping(List.of("rule", "agent", "label"), Duration.ofSeconds(10), Duration.ofMinutes(5),
                    Duration.ofHours(4), 5, 100);
        }
    }

    /**
     * @param url    the webhook URL (resolved from {@code url_env} when the URL is a secret); null = the
     *               channel is not configured on this agent and is skipped
     * @param format {@code json} or {@code slack}
     */
    public record Channel(String name, String type, String url, String urlEnv, String format, List<String> to) {
        public boolean usable() {
            return type.equals("mail") ? !to.isEmpty() : url != null && !url.isBlank();
        }
    }

    /** Matches alerts by classifier label and, optionally, by the classifier rules that decided. */
    public record Rule(String name, String label, List<String> classifierRules, List<String> channels) {
        boolean matches(String alertLabel, String classifierRule) {
            return label.equals(alertLabel) && (classifierRules.isEmpty() || classifierRules.contains(classifierRule));
        }
    }

    public static AlertsConfig defaults() {
        return parse(YamlNode.parse(FILE, ""), env -> Optional.empty());
    }

    public static AlertsConfig parse(YamlNode root, Function<String, Optional<String>> secrets) {
        root.allowOnly("dedup_window", "rate_limit", "retry", "max_open", "group_by", "group_wait", "group_interval",
                "repeat_interval", "samples", "max_open_per_group", "channels", "rules");
        Duration window = duration(root.get("dedup_window"), Duration.ofMinutes(10));
        int limit = 12;
        int groups = 30;
        Duration per = Duration.ofHours(1);
        YamlNode rl = root.get("rate_limit");
        if (rl != null) {
            rl.allowOnly("alerts", "groups", "per");
            limit = rl.get("alerts") == null ? limit : (int) positive(rl.get("alerts"));
            groups = rl.get("groups") == null ? groups : (int) positive(rl.get("groups"));
            per = duration(rl.get("per"), per);
        }
        Grouping g = Grouping.defaults();
        List<String> groupBy = g.groupBy();
        if (root.get("group_by") != null) {
            groupBy = root.get("group_by").strings();
            for (String l : groupBy) {
                if (!GROUP_LABELS.contains(l)) {
                    throw root.get("group_by").error("group_by: unknown label '" + l + "' (one of " + String.join(", ", GROUP_LABELS) + ")");
                }
            }
        }
        Grouping grouping = new Grouping(List.copyOf(groupBy), duration(root.get("group_wait"), g.groupWait()),
                duration(root.get("group_interval"), g.groupInterval()),
                duration(root.get("repeat_interval"), g.repeatInterval()),
                root.get("samples") == null ? g.samples() : (int) positive(root.get("samples")),
                root.get("max_open_per_group") == null ? g.maxOpenPerGroup() : (int) positive(root.get("max_open_per_group")));
        int attempts = 8;
        Duration initial = Duration.ofSeconds(2);
        Duration max = Duration.ofMinutes(5);
        YamlNode retry = root.get("retry");
        if (retry != null) {
            retry.allowOnly("attempts", "initial", "max");
            attempts = retry.get("attempts") == null ? attempts : (int) positive(retry.get("attempts"));
            initial = duration(retry.get("initial"), initial);
            max = duration(retry.get("max"), max);
        }
        int maxOpen = root.get("max_open") == null ? 1000 : (int) positive(root.get("max_open"));

        Map<String, Channel> channels = new LinkedHashMap<>();
        YamlNode ch = root.get("channels");
        if (ch != null) {
            for (String name : ch.keys()) {
                YamlNode c = ch.get(name).allowOnly("type", "url", "url_env", "format", "to");
                if (c.get("type") == null) {
                    throw c.error("channel '" + name + "': type is required (" + String.join(", ", CHANNEL_TYPES) + ")");
                }
                String type = c.get("type").text();
                if (type.equals("webhook") || type.equals("alertmanager")) {
                    String format = c.get("format") == null ? "json" : c.get("format").text();
                    if (type.equals("alertmanager") && c.get("format") != null) {
                        throw c.get("format").error("an alertmanager channel has no format (it posts /api/v2/alerts)");
                    }
                    if (!format.equals("json") && !format.equals("slack")) {
                        throw c.get("format").error("format must be json or slack, not '" + format + "'");
                    }
                    String url = c.get("url") == null ? null : c.get("url").text();
                    String urlEnv = c.get("url_env") == null ? null : c.get("url_env").text();
                    if ((url == null) == (urlEnv == null)) {
                        throw c.error("channel '" + name + "': give exactly one of url or url_env");
                    }
                    if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
                        throw c.get("url").error("url must start with http:// or https://");
                    }
                    if (urlEnv != null) {
                        url = secrets.apply(urlEnv).orElse(null);
                    }
                    channels.put(name, new Channel(name, type, url, urlEnv, format, List.of()));
                } else if (type.equals("mail")) {
                    if (c.get("to") == null) {
                        throw c.error("channel '" + name + "': to is required (one address or a list)");
                    }
                    List<String> to = c.get("to").strings();
                    for (String a : to) {
                        if (!a.contains("@")) {
                            throw c.get("to").error("not an e-mail address: '" + a + "'");
                        }
                    }
                    channels.put(name, new Channel(name, type, null, null, "text", to));
                } else {
                    throw c.get("type").error("channel type must be " + String.join(", ", CHANNEL_TYPES).replaceFirst(", (\\w+)$", " or $1")
                            + ", not '" + type + "'");
                }
            }
        }
        List<Rule> rules = new ArrayList<>();
        YamlNode rs = root.get("rules");
        if (rs != null) {
            for (YamlNode r : rs.list()) {
                r.allowOnly("name", "label", "classifier_rules", "channels");
                if (r.get("name") == null) {
                    throw r.error("a rule needs a name");
                }
                String name = r.get("name").text();
                String label = r.get("label") == null ? "critical" : r.get("label").text();
                List<String> cr = r.get("classifier_rules") == null ? List.of() : r.get("classifier_rules").strings();
                if (r.get("channels") == null) {
                    throw r.error("rule '" + name + "': channels is required");
                }
                List<String> targets = r.get("channels").strings();
                for (String t : targets) {
                    if (!channels.containsKey(t)) {
                        throw r.get("channels").error("rule '" + name + "': unknown channel '" + t + "'");
                    }
                }
                rules.add(new Rule(name, label, cr, targets));
            }
        }
        return new AlertsConfig(window, limit, groups, per, attempts, initial, max, maxOpen, grouping, channels, rules);
    }

    /** The first rule matching, or null. */
    public Rule route(String label, String classifierRule) {
        for (Rule r : rules) {
            if (r.matches(label, classifierRule)) {
                return r;
            }
        }
        return null;
    }

    private static Duration duration(YamlNode n, Duration dflt) {
        if (n == null) {
            return dflt;
        }
        try {
            Duration d = Sizes.parseDuration(n.text());
            if (d.isNegative() || d.isZero()) {
                throw n.error("duration must be positive");
            }
            return d;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(n.file())) {
                throw e;
            }
            throw n.error(e.getMessage());
        }
    }

    private static double positive(YamlNode n) {
        double v = n.number();
        if (v < 1 || v != Math.rint(v)) {
            throw n.error("must be a whole number >= 1");
        }
        return v;
    }
}
