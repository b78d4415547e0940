package dev.nervesys.archive;

import com.github.luben.zstd.ZstdOutputStream;
import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.RecordBuffer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Streams buffer rows [first, last] into a compressed NDJSON file, a page of rows at a time, so
 * memory stays bounded whatever the archive size. The output only depends on the rows and the
 * settings (gzip's header carries no time), so a retry produces the same bytes.
 */
final class ArchiveWriter {

    /** Two buffer chunks: each chunk is read (and decompressed) about once. */
    private static final int PAGE_ROWS = 8192;
    private static final int IO_BUFFER = 256 * 1024;

    record Written(long records, long rawBytes, long fileBytes) {
    }

    private ArchiveWriter() {
    }

    static Written write(RecordBuffer buffer, long first, long last, Path file, String compression, int level)
            throws IOException {
        Files.createDirectories(file.getParent());
        long records = 0;
        long raw = 0;
        try (OutputStream out = compressor(Files.newOutputStream(file), compression, level)) {
            long after = first - 1;
            while (after < last) {
                List<BufferedRecord> page = buffer.read(after, (int) Math.min(PAGE_ROWS, last - after));
                if (page.isEmpty()) {
                    break; // rows dropped under drop-oldest since the plan: archive what is left
                }
                for (BufferedRecord r : page) {
                    if (r.id() > last) {
                        after = last;
                        break;
                    }
                    out.write(r.body());
                    out.write('\n');
                    raw += r.body().length + 1;
                    records++;
                    after = r.id();
                }
            }
        }
        return new Written(records, raw, Files.size(file));
    }

    /** The compressor between two buffers: it gets blocks of records, not one call per record and newline. */
    private static OutputStream compressor(OutputStream file, String compression, int level) throws IOException {
        OutputStream buffered = new BufferedOutputStream(file, IO_BUFFER);
        if (compression.equals("zstd")) {
            return new BufferedOutputStream(new ZstdOutputStream(buffered, level), IO_BUFFER);
        }
        return new BufferedOutputStream(new GZIPOutputStream(buffered, IO_BUFFER) {
            {
                def.setLevel(level);
            }
        }, IO_BUFFER);
    }
}
