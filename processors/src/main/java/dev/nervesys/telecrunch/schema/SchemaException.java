package dev.nervesys.telecrunch.schema;

/** A schema that cannot be used; the message names the field (or top-level key) and the reason. */
public class SchemaException extends RuntimeException {

    private final String field;

    public SchemaException(String field, String reason) {
        super(field == null ? reason : "field '" + field + "': " + reason);
        this.field = field;
    }

    /** The offending field name, or null for a problem with the schema as a whole. */
    public String field() {
        return field;
    }
}
