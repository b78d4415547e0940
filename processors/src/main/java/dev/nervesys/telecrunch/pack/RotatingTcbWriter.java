package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.Schema;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes .tcb files into a directory, starting a new file when the current one reaches
 * {@code maxBytes} or {@code maxRecords} (checked after each block, so a file may pass a limit
 * by one block). A file is written as {@code <name>.tcb.part}, synced, and renamed to
 * {@code <name>.tcb} only after its footer: a finished name always means a complete file, and
 * a crash leaves a .part file whose intact blocks the reader recovers.
 */
public final class RotatingTcbWriter implements Closeable {

    private final Path dir;
    private final String baseName;
    private final BlockEncoder encoder;
    private final String runId;
    private final long maxBytes;
    private final long maxRecords;
    private final List<Path> finished = new ArrayList<>();
    private int index;
    private FileChannel channel;
    private OutputStream stream;
    private TcbWriter writer;
    private Path part;
    private long totalBytes;
    private long totalRecords;

    /** @param maxBytes or maxRecords &lt;= 0 for no limit */
    public RotatingTcbWriter(Path dir, String baseName, Schema schema, String runId, long maxBytes, long maxRecords)
            throws IOException {
        this.dir = Files.createDirectories(dir);
        this.baseName = baseName;
        this.encoder = new BlockEncoder(schema);
        this.runId = runId;
        this.maxBytes = maxBytes;
        this.maxRecords = maxRecords;
    }

    public void write(RecordBlock block) throws IOException {
        if (block.size() == 0) {
            return;
        }
        if (writer == null) {
            open();
        }
        long before = writer.bytesWritten();
        writer.write(block);
        // a block is large; pushing it to the OS per block means a process crash loses at most one block
        stream.flush();
        totalBytes += writer.bytesWritten() - before;
        totalRecords += block.size();
        if ((maxBytes > 0 && writer.bytesWritten() + TcbFormat.FOOTER_BYTES >= maxBytes)
                || (maxRecords > 0 && writer.recordsWritten() >= maxRecords)) {
            finish();
        }
    }

    private void open() throws IOException {
        index++;
        part = dir.resolve(String.format("%s-%05d%s%s", baseName, index, TcbFormat.EXTENSION, TcbFormat.PART_SUFFIX));
        channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        writer = new TcbWriter(stream, encoder, runId);
        totalBytes += writer.bytesWritten();
    }

    private void finish() throws IOException {
        writer.close();
        totalBytes += TcbFormat.FOOTER_BYTES;
        stream.flush();
        channel.force(true);
        channel.close();
        String fileName = part.getFileName().toString();
        Path done = part.resolveSibling(fileName.substring(0, fileName.length() - TcbFormat.PART_SUFFIX.length()));
        Files.move(part, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        finished.add(done);
        writer = null;
    }

    /** Files completed so far (renamed to .tcb). */
    public List<Path> files() {
        return List.copyOf(finished);
    }

    public long bytesWritten() {
        return totalBytes;
    }

    public long recordsWritten() {
        return totalRecords;
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            finish();
        }
    }
}
