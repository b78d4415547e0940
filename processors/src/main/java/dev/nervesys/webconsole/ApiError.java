package dev.nervesys.webconsole;

/** A request the console refuses: the status and the message the client gets as {@code {"error": ...}}. */
final class ApiError extends Exception {

    final int status;
    final String retryAfter;

    ApiError(int status, String message) {
        this(status, message, null);
    }

    ApiError(int status, String message, String retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }
}
