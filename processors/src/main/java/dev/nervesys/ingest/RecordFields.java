package dev.nervesys.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.nervesys.spi.Rfc3339;
import java.io.IOException;

/** The record model's rules (docs/records.md), checked while one NDJSON line is streamed. */
final class RecordFields {

    private static final String EXAMPLE = "2025-12-10T12:00:00.123Z";
    /** The two forms of a telemetry time, as error messages name them. */
    static final String TIME_FORMS = "an RFC 3339 time such as " + EXAMPLE
            + " or integer epoch nanoseconds from 0 to 9223372036854775807";

    boolean telemetry;
    private boolean runId;
    private boolean source;
    private boolean type;
    private boolean frame;
    private boolean time;
    private boolean fields;
    private boolean timestamp;
    private boolean level;
    private boolean message;

    /** Checks one member; returns an error or null. The parser stands on the member's value. */
    String take(String name, JsonToken v, JsonParser p) throws IOException {
        switch (name) {
            case "run_id" -> {
                telemetry = true;
                runId = true;
                return nonEmptyString(name, v, p);
            }
            case "source" -> {
                source = true;
                return nonEmptyString(name, v, p);
            }
            case "type" -> {
                type = true;
                if (v != JsonToken.VALUE_STRING || !(p.getText().equals("update") || p.getText().equals("event"))) {
                    return "\"type\" must be \"update\" or \"event\"";
                }
            }
            case "frame", "seq" -> {
                frame |= name.equals("frame");
                if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                    return "\"" + name + "\" must be a non-negative integer";
                }
            }
            case "time" -> {
                time = true;
                return telemetryTime(v, p);
            }
            case "timestamp" -> {
                timestamp = true;
                if (v != JsonToken.VALUE_STRING) {
                    return "\"timestamp\" must be an RFC 3339 time such as " + EXAMPLE;
                }
                String problem = Rfc3339.problem(p.getText());
                return problem == null ? null : "\"timestamp\" must be an RFC 3339 time such as " + EXAMPLE + ": " + problem;
            }
            case "fields" -> {
                fields = true;
                return fieldValues(v, p);
            }
            case "level" -> {
                level = true;
                return nonEmptyString(name, v, p);
            }
            case "message" -> {
                message = true;
                return v == JsonToken.VALUE_STRING ? null : "\"message\" must be a string";
            }
            case "agent_id", "action" -> {
                return v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NULL ? null : "\"" + name + "\" must be a string";
            }
            case "context" -> {
                return v == JsonToken.START_OBJECT || v == JsonToken.VALUE_NULL ? null : "\"context\" must be an object";
            }
            default -> {
                return null;
            }
        }
        return null;
    }

    /** A telemetry {@code time}: an RFC 3339 string or integer epoch nanoseconds (docs/records.md). */
    private static String telemetryTime(JsonToken v, JsonParser p) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            String problem = Rfc3339.problem(p.getText());
            return problem == null ? null : "\"time\" must be " + TIME_FORMS + ": " + problem;
        }
        if (v == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                return "\"time\" " + shown(p.getText()) + " is out of range (use " + TIME_FORMS + ")";
            }
            return p.getLongValue() < 0 ? "\"time\" " + shown(p.getText()) + " is negative (use " + TIME_FORMS + ")" : null;
        }
        if (v == JsonToken.VALUE_NUMBER_FLOAT) {
            return "\"time\" " + shown(p.getText()) + " is not an integer (use " + TIME_FORMS + ")";
        }
        return "\"time\" must be " + TIME_FORMS;
    }

    private static String shown(String number) {
        return number.length() <= 40 ? number : number.substring(0, 40) + "...";
    }

    private static String nonEmptyString(String name, JsonToken v, JsonParser p) throws IOException {
        return v == JsonToken.VALUE_STRING && !p.getText().isEmpty() ? null : "\"" + name + "\" must be a non-empty string";
    }

    private static String fieldValues(JsonToken v, JsonParser p) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            return "\"fields\" must be an object";
        }
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            JsonToken fv = p.nextToken();
            if (fv == JsonToken.START_OBJECT || fv == JsonToken.START_ARRAY) {
                return "field \"" + p.currentName() + "\" must be a number, string, boolean or null";
            }
        }
        return null;
    }

    /** The required members of the kind the record turned out to be. */
    String check() {
        if (telemetry) {
            if (!source || !type || !frame || !time || !fields) {
                return "telemetry record needs run_id, source, type, frame, time and fields (missing "
                        + missing(new String[] {"source", "type", "frame", "time", "fields"},
                                new boolean[] {source, type, frame, time, fields}) + ")";
            }
            return null;
        }
        if (level || message) {
            if (!timestamp || !level || !message) {
                return "log record needs timestamp, level and message (missing "
                        + missing(new String[] {"timestamp", "level", "message"}, new boolean[] {timestamp, level, message}) + ")";
            }
            return null;
        }
        return "neither a telemetry record (run_id, ...) nor a log record (timestamp, level, message)";
    }

    private static String missing(String[] names, boolean[] present) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if (!present[i]) {
                sb.append(sb.length() == 0 ? "" : ", ").append(names[i]);
            }
        }
        return sb.toString();
    }
}
