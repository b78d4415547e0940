package dev.nervesys.ingest;

import dev.nervesys.spi.RecordKind;
import java.util.ArrayList;
import java.util.List;

/** The valid records of a body, ready for the buffer, and the lines that were rejected. */
public final class ParsedBatch {

    final List<RecordKind> kinds = new ArrayList<>();
    final List<byte[]> bodies = new ArrayList<>();
    final List<LineError> errors = new ArrayList<>();

    void add(RecordKind kind, byte[] body) {
        kinds.add(kind);
        bodies.add(body);
    }

    void reject(int line, String reason) {
        errors.add(new LineError(line, reason));
    }

    public List<RecordKind> kinds() {
        return kinds;
    }

    public List<byte[]> bodies() {
        return bodies;
    }

    public List<LineError> errors() {
        return errors;
    }

    public int accepted() {
        return bodies.size();
    }
}
