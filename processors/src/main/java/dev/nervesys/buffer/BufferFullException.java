package dev.nervesys.buffer;

/** The buffer cannot take a batch without passing its cap; nothing of the batch was stored. */
public class BufferFullException extends Exception {

    private final long retryAfterSeconds;

    public BufferFullException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
