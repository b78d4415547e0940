package dev.nervesys.ingest;

import dev.nervesys.buffer.RecordKind;

import java.util.List;

/**
 * How other capabilities take part in ingest without reaching into it. Register on the
 * {@code ingest} bean ({@link IngestService#addInspector}, {@link IngestService#addListener})
 * from a {@link dev.nervesys.spi.BeanProvider} that runs after the data path.
 */
public final class IngestHooks {

    private IngestHooks() {
    }

    /**
     * Sees each accepted record before it is committed and may return a replacement body (for
     * example a log record annotated with its classification). Runs on the request thread inside
     * the 2xx promise: it must be fast and must not block on I/O; an exception fails the request
     * with 500 and nothing of the batch is committed.
     */
    public interface Inspector {
        byte[] inspect(RecordKind kind, byte[] body);
    }

    /**
     * Told about each committed batch, after the commit and before the reply. Best effort: it must
     * hand off and return at once (a live view drops what it cannot keep up with); an exception is
     * logged and ignored, the batch stays committed.
     */
    public interface Listener {
        void committed(List<RecordKind> kinds, List<byte[]> bodies);
    }
}
