package dev.nervesys.spi;

import java.io.InputStream;
import java.util.Map;

/**
 * An HTTP API served by the live server next to the UI (the runs API, docs/runs.md). Called on a
 * worker thread of the live server, never on a Netty event loop, so it may block (ClickHouse).
 */
public interface HttpApi {

    /** Whether a request path (without the query) belongs to this API. */
    boolean accepts(String path);

    /**
     * Answers one request. An exception thrown here is answered 500 by the server (logged there,
     * never shown to the client); answer expected failures yourself.
     *
     * @param target the request target, decoded by the server ({@link RequestTarget}: a malformed
     *     one was answered 400 before this is called)
     * @param body the request body, empty when none
     */
    Answer handle(String method, RequestTarget target, byte[] body) throws Exception;

    /**
     * An answer: either {@code body} (sent whole) or {@code stream} (sent chunked with bounded
     * memory and closed by the server, also when the client goes away).
     */
    record Answer(int status, String contentType, Map<String, String> headers, byte[] body, InputStream stream) {

        public static Answer bytes(int status, String contentType, byte[] body) {
            return new Answer(status, contentType, Map.of(), body, null);
        }

        public static Answer streamed(String contentType, Map<String, String> headers, InputStream stream) {
            return new Answer(200, contentType, headers, null, stream);
        }
    }
}
