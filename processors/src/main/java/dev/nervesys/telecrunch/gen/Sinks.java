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
            private long reported;

            /** Bytes written since the last report: a file's header and a rotation's footer included. */
            private long fresh() {
                long n = w.bytesWritten() - reported;
                reported = w.bytesWritten();
                return n;
            }

            @Override
            public long accept(RecordBlock block) throws IOException {
                w.write(block);
                return fresh();
            }

            @Override
            public long finish() throws IOException {
                close();
                return fresh();
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
            private long reported;

            /** Bytes that reached the file since the last report: the compressor's header included. */
            private long fresh() {
                long n = counter.count - reported;
                reported = counter.count;
                return n;
            }

            @Override
            public long accept(RecordBlock block) throws IOException {
                writer.write(block);
                writer.flush();
                return fresh();
            }

            /** The compressor's last block and trailer reach the file only when it is closed. */
            @Override
            public long finish() throws IOException {
                close();
                return fresh();
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
