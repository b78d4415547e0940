package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a .tcb file block by block and recovers every intact block: a block whose header or
 * checksum is wrong is reported in {@link #problems()} and skipped by scanning for the next
 * block magic; a truncated last block is reported and ignored. Header damage or a schema
 * mismatch is fatal, because nothing after it can be interpreted.
 *
 * <p>The file is read into memory whole (files are rotated, 64 MiB by default).
 */
public final class TcbReader {

    private final String name;
    private final byte[] data;
    private final ByteBuffer buf;
    private final Schema schema;
    private final String runId;
    private final BlockDecoder decoder;
    private final List<String> problems = new ArrayList<>();
    private final CRC32C crc = new CRC32C();
    private int pos;
    private long records;
    private int blocks;
    private int skipped;
    private boolean footer;
    private long footerRecords = -1;
    private boolean endReported;
    private RecordBlock block;

    public TcbReader(Path file, Schema expected) throws IOException {
        this(file.toString(), Files.readAllBytes(file), expected);
    }

    /** @param expected the schema the caller requires, or null to use the file's own schema */
    public TcbReader(String name, byte[] data, Schema expected) {
        this.name = name;
        this.data = data;
        this.buf = ByteBuffer.wrap(data);
        if (data.length < 24 && (data.length < 4 || buf.getInt(0) == TcbFormat.FILE_MAGIC)) {
            throw new CorruptDataException(name + ": empty or header truncated (" + data.length
                    + " bytes; a crash before the first block was written?)");
        }
        if (buf.getInt(0) != TcbFormat.FILE_MAGIC) {
            throw new CorruptDataException(name + ": not a TeleCrunch file (bad magic)");
        }
        int version = buf.getShort(4) & 0xFFFF;
        if (version != TcbFormat.VERSION) {
            throw new CorruptDataException(name + ": format version " + version + " is not supported (this reader: "
                    + TcbFormat.VERSION + ")");
        }
        long fingerprint = buf.getLong(8);
        int schemaLen = buf.getInt(16);
        if (schemaLen < 0 || 20L + schemaLen + 6 > data.length) {
            throw new CorruptDataException(name + ": header truncated or schema length " + schemaLen + " corrupt");
        }
        int runLen = buf.getShort(20 + schemaLen) & 0xFFFF;
        int headerEnd = 22 + schemaLen + runLen;
        if (headerEnd + 4 > data.length) {
            throw new CorruptDataException(name + ": header truncated");
        }
        crc.update(data, 0, headerEnd);
        if ((int) crc.getValue() != buf.getInt(headerEnd)) {
            throw new CorruptDataException(name + ": header checksum mismatch (header damaged)");
        }
        String json = new String(data, 20, schemaLen, StandardCharsets.UTF_8);
        Schema embedded;
        try {
            embedded = SchemaLoader.parse(json);
        } catch (SchemaException e) {
            throw new CorruptDataException(name + ": embedded schema invalid: " + e.getMessage());
        }
        if (embedded.fingerprint() != fingerprint) {
            throw new CorruptDataException(name + ": embedded schema does not match the header fingerprint");
        }
        if (expected != null && expected.fingerprint() != fingerprint) {
            throw new SchemaMismatchException(name + ": written with schema " + embedded + ", expected " + expected
                    + " (fingerprint " + HexFormat.of().toHexDigits(fingerprint) + " != " + expected.fingerprintHex() + ")");
        }
        this.schema = embedded;
        this.runId = new String(data, 22 + schemaLen, runLen, StandardCharsets.UTF_8);
        this.decoder = new BlockDecoder(schema);
        this.pos = headerEnd + 4;
    }

    public Schema schema() {
        return schema;
    }

    public String runId() {
        return runId;
    }

    /**
     * Decodes the next intact block, or returns null at the end of the file. The returned block
     * is reused by the following call.
     */
    public RecordBlock next() {
        while (pos < data.length) {
            int remaining = data.length - pos;
            int magic = remaining >= 4 ? buf.getInt(pos) : 0;
            if (magic == TcbFormat.FOOTER_MAGIC && remaining >= TcbFormat.FOOTER_BYTES && readFooter()) {
                return null;
            }
            if (magic != TcbFormat.BLOCK_MAGIC) {
                damaged("no block magic at offset " + pos);
                continue;
            }
            if (remaining < TcbFormat.BLOCK_HEADER_BYTES) {
                truncated(remaining);
                continue;
            }
            int count = buf.getInt(pos + 4);
            int len = buf.getInt(pos + 8);
            // every record takes at least its type bit, which bounds the count by the length
            if (count <= 0 || len <= 0 || len > TcbFormat.MAX_PAYLOAD || (long) count > (long) len * 8) {
                damaged("block at offset " + pos + " has impossible count " + count + " or length " + len);
                continue;
            }
            if ((long) pos + TcbFormat.BLOCK_HEADER_BYTES + len > data.length) {
                truncated(remaining);
                continue;
            }
            crc.reset();
            crc.update(data, pos + 4, 8);
            crc.update(data, pos + TcbFormat.BLOCK_HEADER_BYTES, len);
            if ((int) crc.getValue() != buf.getInt(pos + 12)) {
                damaged("block at offset " + pos + " (" + count + " records) fails its checksum");
                continue;
            }
            if (block == null || block.capacity() < count) {
                block = new RecordBlock(schema, Math.max(count, 4096));
            }
            RecordBlock out = block;
            try {
                decoder.decode(data, pos + TcbFormat.BLOCK_HEADER_BYTES, len, count, out);
            } catch (CorruptDataException e) {
                damaged("block at offset " + pos + " cannot be decoded: " + e.getMessage());
                continue;
            }
            out.runId(runId);
            pos += TcbFormat.BLOCK_HEADER_BYTES + len;
            records += count;
            blocks++;
            return out;
        }
        if (!footer && !endReported) {
            endReported = true;
            problems.add(name + ": no footer (file was not closed cleanly); " + records + " records recovered");
        }
        return null;
    }

    private boolean readFooter() {
        crc.reset();
        crc.update(data, pos + 4, 12);
        if ((int) crc.getValue() != buf.getInt(pos + 16)) {
            return false;
        }
        footer = true;
        footerRecords = buf.getLong(pos + 4);
        if (footerRecords != records) {
            problems.add(name + ": footer says " + footerRecords + " records, " + records + " were readable");
        }
        pos = data.length;
        return true;
    }

    private void damaged(String what) {
        problems.add(name + ": " + what + "; skipping to the next block");
        skipped++;
        pos = resync(pos + 1);
    }

    private void truncated(int remaining) {
        problems.add(name + ": truncated last block at offset " + pos + " (" + remaining + " bytes) ignored");
        skipped++;
        pos = data.length;
    }

    private int resync(int from) {
        for (int p = from; p + 4 <= data.length; p++) {
            int m = buf.getInt(p);
            if (m == TcbFormat.BLOCK_MAGIC || m == TcbFormat.FOOTER_MAGIC) {
                return p;
            }
        }
        return data.length;
    }

    public List<String> problems() {
        return problems;
    }

    public long recordsRead() {
        return records;
    }

    public int blocksRead() {
        return blocks;
    }

    /** Damaged or truncated blocks that were skipped. */
    public int blocksSkipped() {
        return skipped;
    }

    public boolean cleanlyClosed() {
        return footer;
    }
}
