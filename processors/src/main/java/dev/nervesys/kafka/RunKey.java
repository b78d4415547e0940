package dev.nervesys.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The run id of a record, for its Kafka key: the top-level {@code run_id} string, read up to that
 * member only, by the telemetry scanner where it is sure (no escapes, valid JSON before it) and
 * else by Jackson's streaming parser (nested objects are skipped, not parsed into values).
 * Empty when the record has none (logs, points) or is not a JSON object.
 */
final class RunKey {

    private static final JsonFactory JSON = new JsonFactory();

    private RunKey() {
    }

    static String runId(byte[] body) {
        long bounds = dev.nervesys.common.Telemetry.runIdBounds(body);
        if (bounds >= 0) {
            int from = (int) (bounds >>> 32);
            int to = (int) bounds;
            return new String(body, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
        }
        return jackson(body);
    }

    /** The run id as Jackson's streaming parser reads it (escapes decoded; "" when the JSON breaks before it). */
    static String jackson(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "";
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("run_id")) {
                    return v == JsonToken.VALUE_STRING ? p.getText() : "";
                }
                p.skipChildren();
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }
}
