package dev.nervesys.telecrunch.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HexFormat;
import java.util.List;

/**
 * A validated telemetry schema. The fingerprint is the first 8 bytes of the SHA-256 of the
 * canonical JSON form (keys sorted, no whitespace), so that reformatting the YAML or reordering
 * keys does not change it, but any change of meaning does.
 */
public final class Schema {

    private final String name;
    private final int version;
    private final List<FieldSpec> fields;
    private final JsonNode generator;
    private final String canonicalJson;
    private final long fingerprint;

    Schema(String name, int version, List<FieldSpec> fields, JsonNode generator, String canonicalJson,
           long fingerprint) {
        this.name = name;
        this.version = version;
        this.fields = List.copyOf(fields);
        this.generator = generator;
        this.canonicalJson = canonicalJson;
        this.fingerprint = fingerprint;
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public List<FieldSpec> fields() {
        return fields;
    }

    public FieldSpec field(int i) {
        return fields.get(i);
    }

    public int fieldCount() {
        return fields.size();
    }

    /** Index of the field with this name, or -1. */
    public int indexOf(String fieldName) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(fieldName)) {
                return i;
            }
        }
        return -1;
    }

    /** Generator hints (intervalMs, jitterUs, eventRate, sources); a missing node when absent. */
    public JsonNode generator() {
        return generator;
    }

    /** The schema as embedded in binary files: canonical JSON, keys sorted. */
    public String canonicalJson() {
        return canonicalJson;
    }

    public long fingerprint() {
        return fingerprint;
    }

    public String fingerprintHex() {
        return HexFormat.of().toHexDigits(fingerprint);
    }

    @Override
    public String toString() {
        return name + " v" + version + " (" + fingerprintHex() + ")";
    }
}
