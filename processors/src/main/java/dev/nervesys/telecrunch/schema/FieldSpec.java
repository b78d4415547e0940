package dev.nervesys.telecrunch.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One validated schema field with everything the packer needs precomputed.
 *
 * <p>Every value is held as a {@code long} "unit" so that packing never boxes: int values as
 * themselves, floats as multiples of their precision ({@code unit = round(value / precision)}),
 * bools as 0/1, enums as the index of the value, times as multiples of the resolution since the
 * epoch. Strings are the one exception and travel as {@link String}.
 */
public final class FieldSpec {

    private final String name;
    private final FieldType type;
    private final long minUnit;
    private final long maxUnit;
    private final int rawBits;
    private final boolean clamp;
    private final List<String> enumValues;
    private final int maxLength;
    private final long resolutionNanos;
    private final int decimals;
    private final long precisionScaled;
    private final double precision;
    private final JsonNode model;

    FieldSpec(String name, FieldType type, long minUnit, long maxUnit, boolean clamp, List<String> enumValues,
              int maxLength, long resolutionNanos, int decimals, long precisionScaled, double precision,
              JsonNode model) {
        this.name = name;
        this.type = type;
        this.minUnit = minUnit;
        this.maxUnit = maxUnit;
        this.clamp = clamp;
        this.enumValues = enumValues;
        this.maxLength = maxLength;
        this.resolutionNanos = resolutionNanos;
        this.decimals = decimals;
        this.precisionScaled = precisionScaled;
        this.precision = precision;
        this.model = model;
        this.rawBits = switch (type) {
            case BOOL -> 1;
            case ENUM -> bitLength(enumValues.size() - 1L);
            case STRING -> bitLength(maxLength);
            case TIME -> 64;
            default -> bitLength(maxUnit - minUnit);
        };
    }

    /** Bits needed for the unsigned value {@code v} (0 for 0). */
    public static int bitLength(long v) {
        return 64 - Long.numberOfLeadingZeros(v);
    }

    public String name() {
        return name;
    }

    public FieldType type() {
        return type;
    }

    /** Smallest legal unit (int value, float multiple of precision, 0 for bool/enum). */
    public long minUnit() {
        return minUnit;
    }

    public long maxUnit() {
        return maxUnit;
    }

    /**
     * Width of the raw (absolute) form: for int and float the offset {@code unit - minUnit}, for
     * enum the index, for string the length prefix, 64 for time.
     */
    public int rawBits() {
        return rawBits;
    }

    public boolean clamp() {
        return clamp;
    }

    public List<String> enumValues() {
        return enumValues;
    }

    /** Maximum length of a string value in UTF-8 bytes. */
    public int maxLength() {
        return maxLength;
    }

    /** Nanoseconds per unit of a time field (1, 1000, 1000000 or 1000000000). */
    public long resolutionNanos() {
        return resolutionNanos;
    }

    /** Decimal places needed to print a float exactly (2 for precision 0.01 or 0.25). */
    public int decimals() {
        return decimals;
    }

    /** The precision times 10^decimals, an integer: printed value = unit * precisionScaled / 10^decimals. */
    public long precisionScaled() {
        return precisionScaled;
    }

    public double precision() {
        return precision;
    }

    /** The generator's value model for this field (may be a missing node). */
    public JsonNode model() {
        return model;
    }

    public boolean inRange(long unit) {
        return unit >= minUnit && unit <= maxUnit;
    }

    /** The float value of a unit, for models and tests (text outputs use exact fixed-point). */
    public double unitToDouble(long unit) {
        return unit * precision;
    }

    public long doubleToUnit(double value) {
        return Math.round(value / precision);
    }

    @Override
    public String toString() {
        return name + ":" + type.yamlName();
    }
}
