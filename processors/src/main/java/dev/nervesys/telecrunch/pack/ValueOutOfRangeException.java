package dev.nervesys.telecrunch.pack;

/** A value that the schema does not allow (and the field does not ask for clamping). */
public class ValueOutOfRangeException extends IllegalArgumentException {

    private final String field;

    public ValueOutOfRangeException(String field, String value, String allowed, String where) {
        super("field '" + field + "': value " + value + " is outside " + allowed + (where == null ? "" : " (" + where + ")"));
        this.field = field;
    }

    public String field() {
        return field;
    }
}
