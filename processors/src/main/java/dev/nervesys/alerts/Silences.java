package dev.nervesys.alerts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The silences the agent applies (docs/alerts.md, "Silences"): the rows of alert_silence not
 * expired, as route alerts-silences read them last, replaced as a whole at each read.
 */
final class Silences {

    private static final Logger LOG = LoggerFactory.getLogger(Silences.class);
    private volatile List<Silence> all = List.of();

    /** camel-sql's rows (column names as keys, any case); a row that does not parse is skipped with a warning. */
    void replace(List<Map<String, Object>> rows) {
        List<Silence> out = new ArrayList<>();
        for (Map<String, Object> r : rows == null ? List.<Map<String, Object>>of() : rows) {
            Map<String, Object> row = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            row.putAll(r);
            try {
                out.add(SilenceStore.of((String) row.get("id"), (String) row.get("matchers"), row.get("starts_at"),
                        row.get("ends_at"), (String) row.get("created_by"), (String) row.get("comment"),
                        row.get("created_at"), row.get("expired_at")));
            } catch (RuntimeException e) {
                LOG.warn("alert silence {} skipped: {}", row.get("id"), e.getMessage());
            }
        }
        all = List.copyOf(out);
    }

    void set(List<Silence> silences) {
        all = List.copyOf(silences);
    }

    List<Silence> active(Instant now) {
        return all.stream().filter(s -> s.activeAt(now)).toList();
    }

    /** The id of the first silence in force that matches these labels, or null. */
    String matching(Map<String, String> labels, Instant now) {
        for (Silence s : all) {
            if (s.activeAt(now) && s.matches(labels)) {
                return s.id();
            }
        }
        return null;
    }
}
