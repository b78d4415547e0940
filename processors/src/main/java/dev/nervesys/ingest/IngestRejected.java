package dev.nervesys.ingest;

/**
 * A request refused as a whole, with the HTTP status and a message safe to show the client.
 * No stack trace: these are answers, not bugs.
 */
final class IngestRejected extends Exception {

    final int status;
    final long retryAfterSeconds;

    IngestRejected(int status, String message) {
        this(status, message, 0);
    }

    IngestRejected(int status, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }
}
