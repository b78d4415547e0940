package dev.nervesys.alerts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One silence (docs/alerts.md, "Silences"): it holds back the notifications of every alert group
 * whose labels match all its matchers, from {@code startsAt} until {@code endsAt} or until expired.
 * The labels a silence sees: the group's {@code group_by} labels, plus {@code agent}, {@code server}
 * and {@code alert_rule} (the rule of config/alerts.yaml).
 *
 * @param matchers label = value, all of which must hold
 */
public record Silence(String id, Map<String, String> matchers, Instant startsAt, Instant endsAt, String createdBy,
                      String comment, Instant createdAt, Instant expiredAt) {

    public boolean activeAt(Instant now) {
        return expiredAt == null && !now.isBefore(startsAt) && now.isBefore(endsAt);
    }

    boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> m : matchers.entrySet()) {
            if (!m.getValue().equals(labels.get(m.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** {@code label=value label2="value, with spaces"} for people. */
    public String matchersText() {
        StringBuilder b = new StringBuilder();
        matchers.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=')
                .append(v.matches("[\\w./:-]+") ? v : '"' + v + '"'));
        return b.toString();
    }

    /** The matchers as stored in alert_silence.matchers: a JSON object. */
    public String matchersJson() {
        try {
            return JSON.writeValueAsString(matchers);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> matchersFromJson(String json) {
        try {
            Map<String, String> m = JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, String>>() { });
            if (m == null || m.isEmpty()) {
                throw new IllegalArgumentException("no matchers");
            }
            return m;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("matchers are not a JSON object of label: value: " + e.getOriginalMessage());
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Parses matchers, each {@code label=value} (the value may hold commas and spaces).
     *
     * @throws IllegalArgumentException naming the bad matcher
     */
    public static Map<String, String> parseMatchers(Iterable<String> texts) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String text : texts) {
            String p = text.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("not a matcher: '" + p + "' (give label=value, e.g. rule=disk-full)");
            }
            out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a silence needs at least one matcher label=value");
        }
        return out;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("matchers", matchersText());
        m.put("startsAt", startsAt.toString());
        m.put("endsAt", endsAt.toString());
        m.put("createdBy", createdBy);
        m.put("comment", comment);
        m.put("expiredAt", expiredAt == null ? null : expiredAt.toString());
        return m;
    }
}
