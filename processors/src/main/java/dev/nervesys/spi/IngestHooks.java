package dev.nervesys.spi;

import java.util.List;

/**
 * How other capabilities take part in ingest without reaching into it: a {@link BeanProvider}
 * ordered after ingest ({@link BeanProvider#INGEST}) finds the {@link Pipeline} among the earlier
 * beans and adds its inspector (the classifier) or listener (the live view).
 */
public final class IngestHooks {

    private IngestHooks() {
    }

    /** The ingest bean, as the capabilities that hook into it see it. */
    public interface Pipeline {

        /** Adds an inspector that sees (and may rewrite) every accepted record before its commit. */
        void addInspector(Inspector inspector);

        /** Adds a listener told about every committed batch (best effort, must not block). */
        void addListener(Listener listener);
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
