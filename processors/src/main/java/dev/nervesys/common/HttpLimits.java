package dev.nervesys.common;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Input limits of one HTTP port (docs/security.md, "Input hardening"): the request line (URL) and
 * the headers are bounded before they are read whole ({@code 414} and {@code 431}), a request must
 * arrive whole within {@code bodyTimeoutMillis} ({@code 408}, {@link RequestDeadline}), and at most
 * {@code maxConnections} connections are open at once (more are closed at accept).
 *
 * @param maxConnections 0 = unbounded
 */
public record HttpLimits(long bodyTimeoutMillis, int maxUrlBytes, int maxHeaderBytes, int maxConnections) {

    /** Netty's own defaults and no deadline: what a port had before these limits. */
    public static final HttpLimits NONE = new HttpLimits(0, 4096, 8192, 0);

    /** Cut connections: too slow (408) or over {@code maxConnections}. */
    public static final class Counters {
        public final AtomicLong timedOut = new AtomicLong();
        public final AtomicLong refusedConnections = new AtomicLong();
        public final AtomicLong tooLarge = new AtomicLong();
    }

    /**
     * The status for a request the HTTP codec could not decode: 414 for a request line over
     * {@code maxUrlBytes}, 431 for headers over {@code maxHeaderBytes}, else 400; 0 when it decoded.
     */
    public static int status(DecoderResult result) {
        if (result == null || !result.isFailure()) {
            return 0;
        }
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return 414;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return 431;
        }
        if (cause instanceof TooLongFrameException) {
            return 431;
        }
        return 400;
    }

    public static String reason(int status) {
        return switch (status) {
            case 414 -> "request line (URL) too long";
            case 431 -> "request headers too large";
            default -> "malformed HTTP request";
        };
    }
}
