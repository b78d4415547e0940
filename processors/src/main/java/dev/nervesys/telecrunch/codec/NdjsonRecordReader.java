package dev.nervesys.telecrunch.codec;

import dev.nervesys.telecrunch.schema.ValueText;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.IOException;
import java.util.Iterator;

/**
 * Parses NDJSON records (the shape shared with ingest) into a {@link RecordBlock} so that real
 * data can be packed. Every error names the line, the field and the value. Range checks against
 * the schema happen in the encoder, so that generated and parsed data are checked alike.
 */
public final class NdjsonRecordReader {

    /** Integers beyond this many precision steps cannot be represented as units. */
    private static final double MAX_UNITS = 0x1p62;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Schema schema;

    public NdjsonRecordReader(Schema schema) {
        this.schema = schema;
    }

    /** Appends the record on {@code line} to {@code block} (which must not be full). */
    public void append(String line, long lineNo, RecordBlock block) {
        JsonNode r;
        try {
            r = JSON.readTree(line);
        } catch (IOException e) {
            throw error(lineNo, null, "not valid JSON: " + e.getMessage());
        }
        if (r == null || !r.isObject()) {
            throw error(lineNo, null, "a record is a JSON object");
        }
        String type = text(r, "type", lineNo);
        byte t;
        if (type.equals("update")) {
            t = RecordBlock.UPDATE;
        } else if (type.equals("event")) {
            t = RecordBlock.EVENT;
        } else {
            throw error(lineNo, "type", "'" + type + "' is not update or event");
        }
        if (r.hasNonNull("run_id")) {
            block.runId(r.get("run_id").asText());
        }
        int src = block.sourceIndex(text(r, "source", lineNo));
        long time;
        try {
            time = ValueText.parseTimeNanos(text(r, "time", lineNo));
        } catch (IllegalArgumentException e) {
            throw error(lineNo, "time", e.getMessage());
        }
        int i = block.append(t, src, integer(r, "seq", lineNo), integer(r, "frame", lineNo), time);
        try {
            fields(r.get("fields"), lineNo, block, i);
        } catch (IllegalArgumentException e) {
            block.dropLast();
            throw e;
        }
    }

    private void fields(JsonNode fields, long lineNo, RecordBlock block, int i) {
        if (fields == null || !fields.isObject()) {
            throw error(lineNo, "fields", "missing or not an object");
        }
        for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (schema.indexOf(name) < 0) {
                throw error(lineNo, name, "not in schema " + schema.name());
            }
        }
        for (int f = 0; f < schema.fieldCount(); f++) {
            FieldSpec spec = schema.field(f);
            JsonNode v = fields.get(spec.name());
            if (v == null || v.isNull()) {
                throw error(lineNo, spec.name(), "missing (every schema field is required)");
            }
            switch (spec.type()) {
                case INT -> {
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                        throw error(lineNo, spec.name(), "value " + v + " is not a 64-bit integer");
                    }
                    block.values[f][i] = v.asLong();
                }
                case FLOAT -> {
                    double d = v.asDouble();
                    if (!v.isNumber() || !Double.isFinite(d) || Math.abs(d / spec.precision()) > MAX_UNITS) {
                        throw error(lineNo, spec.name(), "value " + v + " is not a number within the schema's scale");
                    }
                    block.values[f][i] = spec.doubleToUnit(d);
                }
                case BOOL -> {
                    if (!v.isBoolean()) {
                        throw error(lineNo, spec.name(), "value " + v + " is not true or false");
                    }
                    block.values[f][i] = v.asBoolean() ? 1 : 0;
                }
                case ENUM -> {
                    int idx = spec.enumValues().indexOf(v.asText());
                    if (!v.isTextual() || idx < 0) {
                        throw error(lineNo, spec.name(), "value " + v + " is not one of " + spec.enumValues());
                    }
                    block.values[f][i] = idx;
                }
                case TIME -> {
                    if (!v.isTextual()) {
                        throw error(lineNo, spec.name(), "value " + v + " is not an ISO-8601 time string");
                    }
                    long nanos;
                    try {
                        nanos = ValueText.parseTimeNanos(v.asText());
                    } catch (IllegalArgumentException e) {
                        throw error(lineNo, spec.name(), e.getMessage());
                    }
                    if (nanos % spec.resolutionNanos() != 0) {
                        throw error(lineNo, spec.name(), "value " + v + " is finer than the field's resolution");
                    }
                    block.values[f][i] = nanos / spec.resolutionNanos();
                }
                case STRING -> {
                    if (!v.isTextual()) {
                        throw error(lineNo, spec.name(), "value " + v + " is not a string");
                    }
                    block.strings[f][i] = v.asText();
                }
            }
        }
    }

    private static String text(JsonNode r, String key, long lineNo) {
        JsonNode v = r.get(key);
        if (v == null || !v.isTextual()) {
            throw error(lineNo, key, "missing or not a string");
        }
        return v.asText();
    }

    private static long integer(JsonNode r, String key, long lineNo) {
        JsonNode v = r.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw error(lineNo, key, "missing or not an integer");
        }
        return v.asLong();
    }

    private static IllegalArgumentException error(long lineNo, String field, String reason) {
        return new IllegalArgumentException("line " + lineNo + (field == null ? "" : ", field '" + field + "'") + ": "
                + reason);
    }
}
