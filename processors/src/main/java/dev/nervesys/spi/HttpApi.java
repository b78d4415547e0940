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
     * Answers one request.
     *
     * @param uri the request URI with its query
     * @param body the request body, empty when none
     */
    Answer handle(String method, String uri, byte[] body);

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
