package dev.nervesys.spi;

import java.time.Instant;

/**
 * A log record the classifier found critical, as handed to the alert path: what an alert needs,
 * not the record itself (the record goes to the buffer and the archive as usual).
 *
 * @param rule    the classifier rule that decided, or {@code text} for the text classifier
 * @param level   the record's level as sent, or the default level when it had none
 * @param message the message, truncated to {@code classify.max_message_chars}
 */
public record CriticalRecord(Instant at, String rule, String label, String level, String message, String reason) {
}
