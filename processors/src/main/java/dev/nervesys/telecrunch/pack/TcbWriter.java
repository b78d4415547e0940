package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.Schema;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes one .tcb stream: header, blocks, and a footer on {@link #close()}. Nothing written
 * before the footer claims a record count beyond its own block, so a stream cut anywhere holds
 * only complete blocks plus, at worst, one partial block that readers detect and skip.
 */
public final class TcbWriter implements Closeable {

    private final OutputStream out;
    private final BlockEncoder encoder;
    private final BitWriter bits = new BitWriter();
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer head = ByteBuffer.allocate(TcbFormat.BLOCK_HEADER_BYTES);
    private long bytes;
    private long records;
    private int blocks;
    private boolean closed;

    public TcbWriter(OutputStream out, Schema schema, String runId) throws IOException {
        this(out, new BlockEncoder(schema), runId);
    }

    public TcbWriter(OutputStream out, BlockEncoder encoder, String runId) throws IOException {
        this.out = out;
        this.encoder = encoder;
        byte[] header = header(encoder.schema(), runId == null ? "" : runId);
        out.write(header);
        bytes = header.length;
    }

    static byte[] header(Schema schema, String runId) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(buf);
        byte[] json = schema.canonicalJson().getBytes(StandardCharsets.UTF_8);
        byte[] run = runId.getBytes(StandardCharsets.UTF_8);
        if (run.length > 65535) {
            throw new IllegalArgumentException("run id longer than 65535 bytes");
        }
        d.writeInt(TcbFormat.FILE_MAGIC);
        d.writeShort(TcbFormat.VERSION);
        d.writeShort(0);
        d.writeLong(schema.fingerprint());
        d.writeInt(json.length);
        d.write(json);
        d.writeShort(run.length);
        d.write(run);
        CRC32C c = new CRC32C();
        c.update(buf.toByteArray());
        d.writeInt((int) c.getValue());
        return buf.toByteArray();
    }

    /** Packs and writes the block (nothing for an empty block). Ranges are checked before any byte is written. */
    public void write(RecordBlock block) throws IOException {
        if (block.size() == 0) {
            return;
        }
        bits.reset();
        encoder.encode(block, bits);
        int len = bits.finish();
        head.clear();
        head.putInt(TcbFormat.BLOCK_MAGIC).putInt(block.size()).putInt(len);
        crc.reset();
        crc.update(head.array(), 4, 8);
        crc.update(bits.buffer(), 0, len);
        head.putInt((int) crc.getValue());
        out.write(head.array(), 0, TcbFormat.BLOCK_HEADER_BYTES);
        out.write(bits.buffer(), 0, len);
        bytes += TcbFormat.BLOCK_HEADER_BYTES + len;
        records += block.size();
        blocks++;
    }

    public long bytesWritten() {
        return bytes;
    }

    public long recordsWritten() {
        return records;
    }

    public int blocksWritten() {
        return blocks;
    }

    /** Writes the footer and flushes; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        ByteBuffer f = ByteBuffer.allocate(TcbFormat.FOOTER_BYTES);
        f.putInt(TcbFormat.FOOTER_MAGIC).putLong(records).putInt(blocks);
        CRC32C c = new CRC32C();
        c.update(f.array(), 4, 12);
        f.putInt((int) c.getValue());
        out.write(f.array());
        bytes += TcbFormat.FOOTER_BYTES;
        out.flush();
    }
}
