package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.codec.Compression;
import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.RotatingTcbWriter;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** File sinks: packed .tcb (rotating) or text, with optional compression; counts bytes written. */
public final class Sinks {

    private Sinks() {
    }

    public static RecordSink binary(Path dir, String baseName, Schema schema, String runId, long maxBytes, long maxRecords)
            throws IOException {
        RotatingTcbWriter w = new RotatingTcbWriter(dir, baseName, schema, runId, maxBytes, maxRecords);
        return new RecordSink() {
            private boolean closed;

            @Override
            public long accept(RecordBlock block) throws IOException {
                long before = w.bytesWritten();
                w.write(block);
                return w.bytesWritten() - before;
            }

            @Override
            public long finish() throws IOException {
                long before = w.bytesWritten();
                close();
                return w.bytesWritten() - before;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    w.close();
                }
            }
        };
    }

    public static RecordSink text(Path file, Schema schema, OutputFormat format, Compression compression) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        CountingStream counter = new CountingStream(Files.newOutputStream(file));
        OutputStream out = new BufferedOutputStream(compression.wrap(counter), 1 << 16);
        RecordWriter writer = format.open(schema, out);
        return new RecordSink() {
            private boolean closed;

            @Override
            public long accept(RecordBlock block) throws IOException {
                long before = counter.count;
                writer.write(block);
                writer.flush();
                return counter.count - before;
            }

            /** The compressor's last block and trailer reach the file only when it is closed. */
            @Override
            public long finish() throws IOException {
                long before = counter.count;
                close();
                return counter.count - before;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    writer.flush();
                    out.close();
                }
            }
        };
    }

    /** Counts the bytes that reach the file, i.e. after compression. */
    static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
