package dev.nervesys.telecrunch.gen;

/**
 * An injected anomaly, recorded so that tests and users can check that detection finds it.
 * For {@link Kind#DROPOUT} the record with {@code seq} was never emitted (a sequence gap) and
 * {@code field} is null; for {@link Kind#STUCK} {@code seq} is the first stuck record.
 */
public record Anomaly(String source, long seq, String field, Kind kind) {

    public enum Kind { SPIKE, STUCK, DROPOUT, OUT_OF_RANGE }

    public String toJson() {
        return "{\"source\":\"" + source.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"seq\":" + seq
                + ",\"field\":" + (field == null ? "null" : "\"" + field.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                + ",\"kind\":\"" + kind.name().toLowerCase(java.util.Locale.ROOT) + "\"}";
    }
}
