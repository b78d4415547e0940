package dev.nervesys.classify;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The member the classifier adds to a log record: {@code ,"classification":{"label":..,"reason":..}},
 * inserted before the record's closing brace so that the record is never re-serialised.
 */
final class Annotation {

    private Annotation() {
    }

    static byte[] bytes(String label, String reason) {
        String json = ",\"classification\":{\"label\":\"" + escape(label) + "\",\"reason\":\"" + escape(reason) + "\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }

    /** body with the annotation inserted before its last '}' (ingest stored it trimmed: it ends with '}'). */
    static byte[] insert(byte[] body, byte[] annotation) {
        int end = body.length - 1;
        while (end >= 0 && body[end] != '}') {
            end--;
        }
        if (end < 0) {
            return body;
        }
        // an empty object gets no leading comma
        int prev = end - 1;
        while (prev >= 0 && (body[prev] == ' ' || body[prev] == '\t' || body[prev] == '\n' || body[prev] == '\r')) {
            prev--;
        }
        int skip = prev >= 0 && body[prev] == '{' ? 1 : 0;
        byte[] out = new byte[body.length + annotation.length - skip];
        System.arraycopy(body, 0, out, 0, end);
        System.arraycopy(annotation, skip, out, end, annotation.length - skip);
        System.arraycopy(body, end, out, end + annotation.length - skip, body.length - end);
        return out;
    }
}
