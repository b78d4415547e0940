package dev.nervesys.buffer;

import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;

/**
 * One row of the buffer: a single record as one line of JSON (UTF-8, no newline).
 *
 * @param id         position in the buffer, strictly increasing, never reused
 * @param kind       log, telemetry or point
 * @param receivedAt when the agent committed it, epoch milliseconds
 * @param body       the record as JSON
 */
public record BufferedRecord(long id, RecordKind kind, long receivedAt, byte[] body) {

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
