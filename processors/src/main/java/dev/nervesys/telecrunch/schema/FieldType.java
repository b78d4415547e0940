package dev.nervesys.telecrunch.schema;

import java.util.Locale;

/** The value types a TeleCrunch schema field can have; the YAML names are the lower-case names. */
public enum FieldType {
    INT, BOOL, ENUM, TIME, FLOAT, STRING;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for the types whose packed form is a predicted (delta) integer rather than raw bits. */
    public boolean isDeltaCoded() {
        return this == INT || this == FLOAT || this == TIME;
    }
}
