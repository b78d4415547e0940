package dev.nervesys.ingest;

/** A parse failure on one line; no stack trace, since bad input is expected and frequent. */
final class LpError extends RuntimeException {

    LpError(String message) {
        super(message, null, false, false);
    }
}
