package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.pack.RecordBlock;
import java.io.Closeable;
import java.io.IOException;

/** Where one generator thread puts its blocks. One sink per thread; sinks need not be thread-safe. */
public interface RecordSink extends Closeable {

    /** Consumes the block (which the caller reuses afterwards); returns the bytes produced. */
    long accept(RecordBlock block) throws IOException;

    /**
     * Writes out what the sink still holds (a compressor's last block and trailer, a file's end) and
     * returns those bytes, so that the bytes counted are the bytes on disk; called once, before
     * {@link #close()}, when the records are complete.
     */
    default long finish() throws IOException {
        return 0;
    }

    /** A sink that only counts, to measure the generator alone. */
    static RecordSink discard() {
        return new RecordSink() {
            @Override
            public long accept(RecordBlock block) {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }
}
