package dev.nervesys.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The run id of a record, for its Kafka key: the top-level {@code run_id} string, read with the
 * streaming parser up to that member only (nested objects are skipped, not parsed into values).
 * Empty when the record has none (logs, points) or is not a JSON object.
 */
final class RunKey {

    private static final JsonFactory JSON = new JsonFactory();

    private RunKey() {
    }

    static String runId(byte[] body) {
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
