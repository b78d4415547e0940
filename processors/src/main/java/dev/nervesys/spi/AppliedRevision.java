package dev.nervesys.spi;

import java.time.Instant;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A config revision the runtime has just applied, as handed to {@link RevisionListener}s: its id
 * (commit id, {@code local-…}, {@code embedded-…}), commit message and time, where it came from
 * (the source's description, never with credentials) and the text of every file under routes/
 * and config/, keyed by path in the config repo.
 */
public record AppliedRevision(String id, String message, Instant time, String source, SortedMap<String, String> files) {

    public AppliedRevision {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }
}
