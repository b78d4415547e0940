package dev.nervesys.bootstrap.revision;

import java.util.Optional;

/** Where revisions come from: a Git repository, a local directory, or the jar itself. */
public interface RevisionSource extends AutoCloseable {

    /**
     * The newest revision, fetched now. Throws when the source cannot be reached; the caller then
     * keeps what it runs and tries again at the next poll.
     */
    Revision latest() throws Exception;

    /** A revision seen before, from local state only (no network), for a restart while offline. */
    default Optional<Revision> load(String revisionId) throws Exception {
        return Optional.empty();
    }

    /** Human-readable description for logs and the console (never contains credentials). */
    String describe();

    @Override
    default void close() {
    }
}
