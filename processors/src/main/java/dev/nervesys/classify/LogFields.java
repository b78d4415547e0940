package dev.nervesys.classify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what the rules need from one log record with Jackson's streaming parser, skipping the rest
 * without building a tree: {@code level}, {@code message} (cut at {@code maxChars}) and the numbers
 * at the field paths rules name ({@code cpu} or {@code context.temperature_c}: one or two levels).
 * One instance per thread; reused record after record.
 */
final class LogFields {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final String[] top;
    private final String[] sub;
    private final int maxChars;
    String level;
    String message;
    boolean truncated;
    final double[] values;

    LogFields(List<String> paths, int maxChars) {
        this.top = new String[paths.size()];
        this.sub = new String[paths.size()];
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            int dot = p.indexOf('.');
            top[i] = dot < 0 ? p : p.substring(0, dot);
            sub[i] = dot < 0 ? null : p.substring(dot + 1);
        }
        this.maxChars = maxChars;
        this.values = new double[paths.size()];
    }

    void parse(byte[] body) throws IOException {
        level = null;
        message = null;
        truncated = false;
        Arrays.fill(values, Double.NaN);
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("level".equals(name)) {
                    level = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                } else if ("message".equals(name)) {
                    if (t == JsonToken.VALUE_STRING) {
                        int len = p.getTextLength();
                        truncated = len > maxChars;
                        message = new String(p.getTextCharacters(), p.getTextOffset(), Math.min(len, maxChars));
                    } else {
                        p.skipChildren();
                    }
                } else if (!field(p, name, t)) {
                    p.skipChildren();
                }
            }
        }
    }

    /** True when the value was consumed as (or searched for) a rule field. */
    private boolean field(JsonParser p, String name, JsonToken t) throws IOException {
        boolean wanted = false;
        for (int i = 0; i < top.length; i++) {
            if (top[i].equals(name)) {
                wanted = true;
                if (sub[i] == null && t.isNumeric()) {
                    values[i] = p.getDoubleValue();
                }
            }
        }
        if (!wanted || t != JsonToken.START_OBJECT) {
            return wanted && t.isScalarValue();
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken v = p.nextToken();
            if (v.isNumeric()) {
                for (int i = 0; i < top.length; i++) {
                    if (sub[i] != null && top[i].equals(name) && sub[i].equals(inner)) {
                        values[i] = p.getDoubleValue();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return true;
    }
}
