package dev.nervesys.telecrunch.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates schemas (YAML or JSON; JSON is YAML). Errors name the field and the reason. */
public final class SchemaLoader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
    /** Field names are free text (outputs escape them), minus control characters. */
    private static final Pattern FIELD_NAME = Pattern.compile("[^\\p{Cntrl}]{1,64}");
    /** The record's own keys, next to the fields in CSV (columns) and line protocol (tags, fields, the timestamp). */
    public static final List<String> RESERVED = List.of("run_id", "source", "type", "frame", "time", "seq");
    private static final Set<String> TOP_KEYS = Set.of("name", "version", "description", "fields", "generator");
    private static final Set<String> COMMON = Set.of("name", "type", "description", "model");
    private static final Map<FieldType, Set<String>> TYPE_KEYS = Map.of(
            FieldType.INT, Set.of("min", "max", "bits", "signed", "clamp"),
            FieldType.BOOL, Set.of(),
            FieldType.ENUM, Set.of("values"),
            FieldType.TIME, Set.of("resolution"),
            FieldType.FLOAT, Set.of("min", "max", "precision", "clamp"),
            FieldType.STRING, Set.of("maxLength"));
    private static final Map<String, Long> RESOLUTIONS = Map.of("ns", 1L, "us", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L);
    /** Floats are quantized to at most 2^62 steps so that unit arithmetic never overflows. */
    private static final double MAX_STEPS = 0x1p62;

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private SchemaLoader() {
    }

    public static Schema load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static Schema parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (IOException e) {
            throw new SchemaException(null, "not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SchemaException(null, "a schema is a YAML mapping with name, version and fields");
        }
        checkKeys(null, root, TOP_KEYS);
        String name = text(null, root, "name");
        if (!NAME.matcher(name).matches()) {
            throw new SchemaException(null, "name '" + name + "' must match " + NAME.pattern());
        }
        JsonNode v = root.get("version");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new SchemaException(null, "version must be an integer >= 1, got " + v);
        }
        JsonNode fieldsNode = root.get("fields");
        if (fieldsNode == null || !fieldsNode.isArray() || fieldsNode.isEmpty()) {
            throw new SchemaException(null, "fields must be a non-empty list");
        }
        List<FieldSpec> fields = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode f : fieldsNode) {
            FieldSpec spec = field(f);
            if (!names.add(spec.name())) {
                throw new SchemaException(spec.name(), "duplicate field name");
            }
            fields.add(spec);
        }
        JsonNode gen = root.path("generator");
        String canonical = canonical(root);
        return new Schema(name, v.asInt(), fields, gen.isMissingNode() ? MissingNode.getInstance() : gen,
                canonical, fingerprint(canonical));
    }

    private static FieldSpec field(JsonNode f) {
        if (!f.isObject()) {
            throw new SchemaException(null, "each field is a mapping with name and type, got " + f);
        }
        String name = text(null, f, "name");
        if (!FIELD_NAME.matcher(name).matches()) {
            throw new SchemaException(name, "name must be 1..64 characters without control characters");
        }
        if (RESERVED.contains(name)) {
            throw new SchemaException(name, "the name is reserved: every output format carries the record's own "
                    + String.join(", ", RESERVED) + " next to the fields (CSV columns, line protocol tags and fields); rename the field");
        }
        String lp = FieldNames.lineProtocolProblem(name);
        if (lp != null) {
            throw new SchemaException(name, "line protocol cannot carry this name: " + lp + " (docs/telecrunch.md)");
        }
        String typeName = text(name, f, "type");
        FieldType type;
        try {
            type = FieldType.valueOf(typeName.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SchemaException(name, "unknown type '" + typeName + "' (int, bool, enum, time, float, string)");
        }
        Set<String> allowed = new HashSet<>(COMMON);
        allowed.addAll(TYPE_KEYS.get(type));
        checkKeys(name, f, allowed);
        JsonNode model = f.path("model");
        boolean clamp = f.path("clamp").asBoolean(false);
        return switch (type) {
            case BOOL -> new FieldSpec(name, type, 0, 1, false, List.of(), 0, 0, 0, 0, 1, model);
            case ENUM -> enumField(name, f, model);
            case TIME -> timeField(name, f, model);
            case STRING -> stringField(name, f, model);
            case INT -> intField(name, f, clamp, model);
            case FLOAT -> floatField(name, f, clamp, model);
        };
    }

    private static FieldSpec intField(String name, JsonNode f, boolean clamp, JsonNode model) {
        long min;
        long max;
        if (f.has("bits")) {
            if (f.has("min") || f.has("max")) {
                throw new SchemaException(name, "give either bits or min/max, not both");
            }
            int bits = f.get("bits").asInt(-1);
            boolean signed = f.path("signed").asBoolean(false);
            if (bits < 1 || bits > (signed ? 64 : 63)) {
                throw new SchemaException(name, "bits must be 1.." + (signed ? 64 : 63) + ", got " + f.get("bits"));
            }
            min = signed ? -(1L << (bits - 1)) : 0;
            max = signed ? (bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1) : (1L << bits) - 1;
        } else {
            if (f.has("signed")) {
                throw new SchemaException(name, "signed goes with bits; with min/max the sign follows min");
            }
            min = longValue(name, f, "min");
            max = longValue(name, f, "max");
            if (min > max) {
                throw new SchemaException(name, "min " + min + " is greater than max " + max);
            }
        }
        return new FieldSpec(name, FieldType.INT, min, max, clamp, List.of(), 0, 0, 0, 0, 1, model);
    }

    private static FieldSpec floatField(String name, JsonNode f, boolean clamp, JsonNode model) {
        BigDecimal min = decimal(name, f, "min");
        BigDecimal max = decimal(name, f, "max");
        BigDecimal precision = decimal(name, f, "precision");
        if (precision.signum() <= 0) {
            throw new SchemaException(name, "precision must be > 0, got " + precision.toPlainString());
        }
        if (min.compareTo(max) > 0) {
            throw new SchemaException(name, "min " + min.toPlainString() + " is greater than max " + max.toPlainString());
        }
        double p = precision.doubleValue();
        if (max.subtract(min).doubleValue() / p > MAX_STEPS) {
            throw new SchemaException(name, "range / precision exceeds 2^62 steps; use a coarser precision");
        }
        BigDecimal stripped = precision.stripTrailingZeros();
        int decimals = Math.max(0, stripped.scale());
        long scaled = stripped.movePointRight(decimals).longValueExact();
        // min and max are rounded inwards to whole multiples of the precision
        long minUnit = min.divide(precision, 0, java.math.RoundingMode.CEILING).longValueExact();
        long maxUnit = max.divide(precision, 0, java.math.RoundingMode.FLOOR).longValueExact();
        if (minUnit > maxUnit) {
            throw new SchemaException(name, "no multiple of precision " + precision.toPlainString() + " lies in [min, max]");
        }
        return new FieldSpec(name, FieldType.FLOAT, minUnit, maxUnit, clamp, List.of(), 0, 0, decimals, scaled, p,
                model);
    }

    private static FieldSpec enumField(String name, JsonNode f, JsonNode model) {
        JsonNode values = f.get("values");
        if (values == null || !values.isArray() || values.isEmpty() || values.size() > 65536) {
            throw new SchemaException(name, "enum needs values: a list of 1..65536 strings");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode v : values) {
            if (!v.isTextual() || v.asText().isEmpty()) {
                throw new SchemaException(name, "enum value " + v + " is not a non-empty string (quote YAML words such as off, on, yes, no)");
            }
            if (list.contains(v.asText())) {
                throw new SchemaException(name, "enum value '" + v.asText() + "' is listed twice");
            }
            list.add(v.asText());
        }
        return new FieldSpec(name, FieldType.ENUM, 0, list.size() - 1L, false, List.copyOf(list), 0, 0, 0, 0, 1, model);
    }

    private static FieldSpec timeField(String name, JsonNode f, JsonNode model) {
        String res = f.path("resolution").asText("ns");
        Long nanos = RESOLUTIONS.get(res);
        if (nanos == null) {
            throw new SchemaException(name, "resolution '" + res + "' is not one of ns, us, ms, s");
        }
        return new FieldSpec(name, FieldType.TIME, Long.MIN_VALUE, Long.MAX_VALUE, false, List.of(), 0, nanos, 0, 0, 1,
                model);
    }

    private static FieldSpec stringField(String name, JsonNode f, JsonNode model) {
        JsonNode ml = f.get("maxLength");
        if (ml == null || !ml.isIntegralNumber() || ml.asInt() < 1 || ml.asInt() > 65535) {
            throw new SchemaException(name, "maxLength (UTF-8 bytes) must be an integer 1..65535, got " + ml);
        }
        return new FieldSpec(name, FieldType.STRING, 0, 0, false, List.of(), ml.asInt(), 0, 0, 0, 1, model);
    }

    private static void checkKeys(String field, JsonNode node, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new SchemaException(field, "unknown key '" + key + "' (allowed: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String text(String field, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new SchemaException(field, "'" + key + "' is required and must be a non-empty string");
        }
        return v.asText();
    }

    private static long longValue(String field, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new SchemaException(field, "'" + key + "' is required and must be a 64-bit integer, got " + v);
        }
        return v.asLong();
    }

    private static BigDecimal decimal(String field, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) {
            throw new SchemaException(field, "'" + key + "' is required and must be a number, got " + v);
        }
        // via the text form so that 0.1 stays 0.1 rather than 0.1000000000000000055...
        return new BigDecimal(v.asText());
    }

    private static String canonical(JsonNode root) {
        try {
            Object tree = CANONICAL.treeToValue(root, Object.class);
            return CANONICAL.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize schema", e);
        }
    }

    private static long fingerprint(String canonical) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
