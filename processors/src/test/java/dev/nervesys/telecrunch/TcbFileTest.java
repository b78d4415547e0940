package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.telecrunch.pack.CorruptDataException;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.RotatingTcbWriter;
import dev.nervesys.telecrunch.pack.SchemaMismatchException;
import dev.nervesys.telecrunch.pack.TcbReader;
import dev.nervesys.telecrunch.pack.TcbWriter;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcbFileTest {

    private static final Schema ENGINE = Blocks.engine();

    private final List<RecordBlock> written = new ArrayList<>();

    private byte[] file(int blocks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TcbWriter w = new TcbWriter(out, ENGINE, "run-42")) {
            for (int i = 0; i < blocks; i++) {
                RecordBlock b = Blocks.random(ENGINE, 200, 3, i);
                written.add(b);
                w.write(b);
            }
        }
        return out.toByteArray();
    }

    private static List<RecordBlock> readAll(TcbReader r) {
        List<RecordBlock> out = new ArrayList<>();
        for (RecordBlock b; (b = r.next()) != null; ) {
            RecordBlock copy = Blocks.roundTrip(b); // detach from the reader's reused block
            out.add(copy);
        }
        return out;
    }

    @Test
    void cleanFileRoundTrips() throws IOException {
        TcbReader r = new TcbReader("f", file(4), ENGINE);
        assertThat(r.runId()).isEqualTo("run-42");
        List<RecordBlock> read = readAll(r);
        assertThat(read).hasSize(4);
        for (int i = 0; i < 4; i++) {
            Blocks.assertSame(written.get(i), read.get(i));
        }
        assertThat(r.problems()).isEmpty();
        assertThat(r.cleanlyClosed()).isTrue();
        assertThat(r.recordsRead()).isEqualTo(800);
    }

    @Test
    void flippedBitInABlockSkipsOnlyThatBlock() throws IOException {
        byte[] data = file(5);
        int third = blockOffsets(data).get(2);
        data[third + 40] ^= 0x10;
        TcbReader r = new TcbReader("f", data, ENGINE);
        List<RecordBlock> read = readAll(r);
        assertThat(read).hasSize(4);
        Blocks.assertSame(written.get(0), read.get(0));
        Blocks.assertSame(written.get(1), read.get(1));
        Blocks.assertSame(written.get(3), read.get(2));
        Blocks.assertSame(written.get(4), read.get(3));
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).contains("offset " + third).contains("checksum"));
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).contains("footer says 1000 records, 800 were readable"));
        assertThat(r.blocksSkipped()).isEqualTo(1);
    }

    @Test
    void truncatedLastBlockIsReportedAndTheRestRecovered() throws IOException {
        byte[] data = file(3);
        int last = blockOffsets(data).get(2);
        byte[] cut = Arrays.copyOf(data, last + 30);
        TcbReader r = new TcbReader("f", cut, ENGINE);
        List<RecordBlock> read = readAll(r);
        assertThat(read).hasSize(2);
        Blocks.assertSame(written.get(1), read.get(1));
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).contains("truncated last block at offset " + last));
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).contains("no footer"));
        assertThat(r.cleanlyClosed()).isFalse();
    }

    @Test
    void anySingleFlippedBitNeverYieldsWrongRecords() throws IOException {
        byte[] clean = file(3);
        int headerEnd = blockOffsets(clean).get(0);
        Random rnd = new Random(3);
        for (int trial = 0; trial < 150; trial++) {
            byte[] data = clean.clone();
            int pos = headerEnd + rnd.nextInt(data.length - headerEnd);
            data[pos] ^= (byte) (1 << rnd.nextInt(8));
            TcbReader r = new TcbReader("f", data, ENGINE);
            List<RecordBlock> read = readAll(r);
            assertThat(read.size()).as("flip at %d", pos).isBetween(2, 3);
            assertThat(r.problems()).as("flip at %d", pos).isNotEmpty();
            for (RecordBlock b : read) {
                int match = matchingBlock(b);
                assertThat(match).as("flip at %d: recovered block equals a written one", pos).isGreaterThanOrEqualTo(0);
            }
        }
    }

    private int matchingBlock(RecordBlock b) {
        for (int i = 0; i < written.size(); i++) {
            try {
                Blocks.assertSame(written.get(i), b);
                return i;
            } catch (AssertionError e) {
                // not this one
            }
        }
        return -1;
    }

    @Test
    void damagedHeaderAndForeignBytesAreFatal() throws IOException {
        byte[] data = file(1);
        data[30] ^= 1;
        assertThatThrownBy(() -> new TcbReader("f", data, ENGINE)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("header checksum");
        assertThatThrownBy(() -> new TcbReader("x.txt", "hello, this is not a tcb file".getBytes(), null))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("x.txt: not a TeleCrunch file");
    }

    @Test
    void fileOfAnotherSchemaIsRefusedNamingBothFingerprints() throws IOException {
        byte[] data = file(1);
        Schema other = SchemaLoader.parse("name: engine\nversion: 2\nfields:\n  - {name: rpm, type: int, min: 0, max: 9}\n");
        assertThatThrownBy(() -> new TcbReader("f.tcb", data, other)).isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("f.tcb: written with schema " + ENGINE)
                .hasMessageContaining(ENGINE.fingerprintHex() + " != " + other.fingerprintHex());
        assertThat(new TcbReader("f", data, null).schema().fingerprint()).isEqualTo(ENGINE.fingerprint());
    }

    @Test
    void rotationByRecordsWritesCompleteFilesAndACrashLeavesARecoverablePart(@TempDir Path dir) throws IOException {
        try (RotatingTcbWriter w = new RotatingTcbWriter(dir, "engine", ENGINE, "r", 0, 500)) {
            for (int i = 0; i < 7; i++) {
                w.write(Blocks.random(ENGINE, 200, 2, i));
            }
            assertThat(w.files()).hasSize(2);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("engine-00001.tcb", "engine-00002.tcb", "engine-00003.tcb");
        }
        long total = 0;
        for (int i = 1; i <= 3; i++) {
            TcbReader r = new TcbReader(dir.resolve("engine-0000" + i + ".tcb"), ENGINE);
            readAll(r);
            assertThat(r.problems()).isEmpty();
            total += r.recordsRead();
        }
        assertThat(total).isEqualTo(1400);

        Path crash = dir.resolve("crash");
        RotatingTcbWriter unclosed = new RotatingTcbWriter(crash, "engine", ENGINE, "r", 1 << 20, 0);
        unclosed.write(Blocks.random(ENGINE, 100, 2, 1));
        unclosed.write(Blocks.random(ENGINE, 100, 2, 2)); // no close: the file stays .part, as after a crash
        Path part = crash.resolve("engine-00001.tcb.part");
        assertThat(part).exists();
        assertThat(crash.resolve("engine-00001.tcb")).doesNotExist();
        TcbReader r = new TcbReader(part, ENGINE);
        readAll(r);
        assertThat(r.recordsRead()).isEqualTo(200);
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).contains("no footer"));
        unclosed.close();
    }

    @Test
    void rotationBySizeKeepsFilesNearTheLimit(@TempDir Path dir) throws IOException {
        try (RotatingTcbWriter w = new RotatingTcbWriter(dir, "e", ENGINE, "r", 20_000, 0)) {
            for (int i = 0; i < 20; i++) {
                w.write(Blocks.random(ENGINE, 100, 2, i));
            }
            w.close();
            assertThat(w.files().size()).isGreaterThan(2);
            for (Path f : w.files()) {
                assertThat(Files.size(f)).isLessThan(20_000 + 15_000); // at most one block over the limit
            }
        }
    }

    /** Offsets of the block magics, found by walking the block headers. */
    static List<Integer> blockOffsets(byte[] data) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
        int schemaLen = b.getInt(16);
        int runLen = b.getShort(20 + schemaLen);
        int pos = 22 + schemaLen + runLen + 4;
        List<Integer> offsets = new ArrayList<>();
        while (pos + 16 <= data.length && b.getInt(pos) == 0x5443424B) {
            offsets.add(pos);
            pos += 16 + b.getInt(pos + 8);
        }
        return offsets;
    }
}
