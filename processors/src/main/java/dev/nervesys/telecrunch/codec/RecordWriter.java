package dev.nervesys.telecrunch.codec;

import dev.nervesys.telecrunch.pack.RecordBlock;
import java.io.IOException;

/** Writes blocks of records as text. {@link #flush()} pushes buffered text to the stream. */
public interface RecordWriter {

    void write(RecordBlock block) throws IOException;

    void flush() throws IOException;
}
