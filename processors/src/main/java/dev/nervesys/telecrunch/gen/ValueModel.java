package dev.nervesys.telecrunch.gen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.SchemaException;
import java.util.SplittableRandom;

/**
 * A per-source, per-field signal that looks like telemetry. One instance per source and field,
 * created before generation starts, so producing a value allocates nothing. Values are units
 * (see {@link FieldSpec}); models compute in engineering units (doubles) and quantize.
 */
public abstract class ValueModel {

    protected final FieldSpec spec;

    protected ValueModel(FieldSpec spec) {
        this.spec = spec;
    }

    /** The next unit at record time {@code nanos}. */
    public abstract long next(SplittableRandom rnd, long nanos);

    /** For string fields. */
    public String nextString(SplittableRandom rnd) {
        throw new UnsupportedOperationException(spec.name() + " is not a string field");
    }

    protected long quantize(double v) {
        long u = spec.type() == FieldType.FLOAT ? spec.doubleToUnit(v) : Math.round(v);
        return Math.max(spec.minUnit(), Math.min(spec.maxUnit(), u));
    }

    protected double lo() {
        return spec.type() == FieldType.FLOAT ? spec.unitToDouble(spec.minUnit()) : spec.minUnit();
    }

    protected double hi() {
        return spec.type() == FieldType.FLOAT ? spec.unitToDouble(spec.maxUnit()) : spec.maxUnit();
    }

    /** Builds the model the schema names for this field, or a sensible default for its type. */
    public static ValueModel of(FieldSpec spec) {
        JsonNode m = spec.model();
        String kind = m.path("kind").asText(defaultKind(spec.type()));
        ValueModel model = switch (kind) {
            case "walk" -> new Models.Walk(spec, m);
            case "sine" -> new Models.Sine(spec, m);
            case "step" -> new Models.Step(spec, m);
            case "counter" -> new Models.Counter(spec, m);
            case "constant" -> new Models.Constant(spec, m);
            case "flag" -> new Models.Flag(spec, m);
            case "markov" -> new Models.Markov(spec, m);
            case "clock" -> new Models.Clock(spec, m);
            case "pick" -> new Models.Pick(spec, m);
            default -> throw new SchemaException(spec.name(), "unknown model kind '" + kind
                    + "' (walk, sine, step, counter, constant, flag, markov, clock, pick)");
        };
        if (!model.supports(spec.type())) {
            throw new SchemaException(spec.name(), "model '" + kind + "' does not apply to type " + spec.type().yamlName());
        }
        return model;
    }

    protected abstract boolean supports(FieldType type);

    private static String defaultKind(FieldType type) {
        return switch (type) {
            case INT, FLOAT -> "walk";
            case BOOL -> "flag";
            case ENUM -> "markov";
            case TIME -> "clock";
            case STRING -> "pick";
        };
    }
}
