package dev.nervesys.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class RecordBufferTest {

    @TempDir
    Path dir;

    static List<byte[]> bodies(int from, int count, int pad) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Like bodies, padded with pseudo-random letters (seeded by n) that compress about as well as telemetry. */
    static List<byte[]> noisyBodies(int from, int count, int pad) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            java.util.Random r = new java.util.Random(i);
            StringBuilder sb = new StringBuilder(pad);
            for (int k = 0; k < pad; k++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            out.add(("{\"n\":" + i + ",\"pad\":\"" + sb + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    static List<RecordKind> kinds(int count, RecordKind kind) {
        return new ArrayList<>(Collections.nCopies(count, kind));
    }

    @Test
    void rowsStayUntilEveryEnabledConsumerShippedThem() throws Exception {
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("b.db"), 10 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            b.registerConsumer("clickhouse");
            long last = b.append(kinds(10, RecordKind.LOG), bodies(0, 10, 10));
            assertThat(last).isEqualTo(10);
            assertThat(b.pendingRows("archive")).isEqualTo(10);

            List<BufferedRecord> got = b.read(b.position("archive"), 4);
            assertThat(got).extracting(BufferedRecord::id).containsExactly(1L, 2L, 3L, 4L);
            assertThat(got.get(2).bodyText()).isEqualTo("{\"n\":2,\"pad\":\"xxxxxxxxxx\"}");
            assertThat(got.get(0).kind()).isEqualTo(RecordKind.LOG);

            b.acknowledge("archive", 4, null);
            assertThat(b.rows()).as("clickhouse has not shipped them yet").isEqualTo(10);
            assertThat(b.pendingRows("archive")).isEqualTo(6);
            b.acknowledge("clickhouse", 7, null);
            assertThat(b.rows()).isEqualTo(6);
            assertThat(b.read(0, 100)).extracting(BufferedRecord::id).first().isEqualTo(5L);

            b.setConsumerEnabled("clickhouse", false);
            b.acknowledge("archive", 10, "done");
            assertThat(b.rows()).isZero();
            assertThat(b.consumerState("archive")).isEqualTo("done");
        }
    }

    @Test
    void idsAndCursorsSurviveReopenAndAreNeverReused() throws Exception {
        Path f = dir.resolve("b.db");
        try (RecordBuffer b = RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            b.append(kinds(5, RecordKind.TELEMETRY), bodies(0, 5, 0));
            b.acknowledge("archive", 5, "k=1");
            assertThat(b.rows()).isZero();
        }
        try (RecordBuffer b = RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            assertThat(b.position("archive")).isEqualTo(5);
            assertThat(b.consumerState("archive")).isEqualTo("k=1");
            long last = b.append(kinds(3, RecordKind.POINT), bodies(5, 3, 0));
            assertThat(last).isEqualTo(8);
            assertThat(b.pendingBytes("archive")).isEqualTo(bodies(5, 3, 0).stream().mapToLong(x -> x.length).sum());
            assertThat(b.read(b.position("archive"), 10)).extracting(BufferedRecord::bodyText)
                    .containsExactly("{\"n\":5,\"pad\":\"\"}", "{\"n\":6,\"pad\":\"\"}", "{\"n\":7,\"pad\":\"\"}");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "none"})
    void rejectPolicyRefusesBeyondTheCapAndLosesNothingAccepted(String compression) throws Exception {
        long cap = 1 << 20;
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("b.db"), cap, WhenFull.REJECT, 7, compression, 1)) {
            b.registerConsumer("archive");
            int accepted = 0;
            BufferFullException full = null;
            for (int i = 0; i < 1000 && full == null; i++) {
                try {
                    b.append(kinds(50, RecordKind.LOG), noisyBodies(accepted, 50, 150));
                    accepted += 50;
                } catch (BufferFullException e) {
                    full = e;
                }
                assertThat(b.bytesOnDisk()).isLessThanOrEqualTo(cap);
            }
            assertThat(full).isNotNull();
            assertThat(full.retryAfterSeconds()).isEqualTo(7);
            assertThat(full.getMessage()).contains("nervesys.buffer.maxBytes");
            assertThat(accepted).isGreaterThan(2000);
            assertThat(b.rows()).isEqualTo(accepted);
            assertThat(b.dropped()).isZero();

            // shipping frees room: the same batch fits again, and the file never passed the cap
            List<BufferedRecord> all = b.read(0, accepted);
            assertThat(all).hasSize(accepted);
            for (int i = 0; i < accepted; i++) {
                assertThat(all.get(i).bodyText()).startsWith("{\"n\":" + i + ",");
            }
            b.acknowledge("archive", all.get(accepted - 1).id(), null);
            assertThat(b.bytesOnDisk()).isLessThanOrEqualTo(cap);
            b.append(kinds(50, RecordKind.LOG), noisyBodies(accepted, 50, 150));
            assertThat(b.rows()).isEqualTo(50);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "none"})
    void dropOldestKeepsTheNewestRowsAndCountsEveryDrop(String compression) throws Exception {
        long cap = 1 << 20;
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("b.db"), cap, WhenFull.DROP_OLDEST, 5, compression, 1)) {
            b.registerConsumer("archive");
            int total = 0;
            for (int i = 0; i < 400; i++) {
                b.append(kinds(50, RecordKind.LOG), noisyBodies(total, 50, 150));
                total += 50;
                assertThat(b.bytesOnDisk()).isLessThanOrEqualTo(cap);
            }
            assertThat(b.dropped()).isPositive();
            assertThat(b.dropped() + b.rows()).isEqualTo(total);
            List<BufferedRecord> left = b.read(b.position("archive"), total);
            assertThat(left).hasSize((int) b.rows());
            assertThat(left.get(left.size() - 1).bodyText()).startsWith("{\"n\":" + (total - 1) + ",");
            assertThat(left.get(0).id()).isEqualTo(b.dropped() + 1);
            assertThat(b.status()).containsEntry("dropped", b.dropped()).containsEntry("whenFull", "drop-oldest");
        }
    }

    @Test
    void sliceEndFindsTheRowThatReachesTheByteCount() throws Exception {
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("b.db"), 10 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            List<byte[]> bs = bodies(0, 100, 90); // 100 bytes each: {"n":NN,"pad":"..."} varies slightly
            b.append(kinds(100, RecordKind.LOG), bs);
            long sum = 0;
            long expected = 0;
            for (int i = 0; i < bs.size(); i++) {
                sum += bs.get(i).length;
                if (sum >= 1000) {
                    expected = i + 1;
                    break;
                }
            }
            assertThat(b.sliceEnd(0, 1000)).isEqualTo(expected);
            assertThat(b.sliceEnd(0, 1L << 40)).isEqualTo(100);
            assertThat(b.sliceEnd(100, 10)).isEqualTo(100);
        }
    }

    @Test
    void recordsSpanningManyChunksReadBackInOrderWithExactOffsets() throws Exception {
        Path f = dir.resolve("b.db");
        int n = RecordBuffer.CHUNK_RECORDS * 2 + 123;
        List<byte[]> bs = new ArrayList<>(bodies(0, n, 20));
        bs.add(("{\"big\":\"" + "y".repeat(40_000) + "\"}").getBytes(StandardCharsets.UTF_8)); // above a 32 KiB chunk
        bs.addAll(bodies(n + 1, 500, 100));
        List<RecordKind> ks = new ArrayList<>();
        for (int i = 0; i < bs.size(); i++) {
            ks.add(RecordKind.values()[i % 3]);
        }
        long total = bs.stream().mapToLong(x -> x.length).sum();
        try (RecordBuffer b = RecordBuffer.open(f, 2 << 20, WhenFull.REJECT, 5)) { // 32 KiB chunks
            b.registerConsumer("archive");
            b.registerConsumer("clickhouse");
            assertThat(b.append(ks, bs)).isEqualTo(bs.size());
            assertThat(b.pendingBytes("archive")).isEqualTo(total);
            List<BufferedRecord> all = b.read(0, bs.size() + 10);
            assertThat(all).hasSize(bs.size());
            for (int i = 0; i < bs.size(); i++) {
                assertThat(all.get(i).id()).isEqualTo(i + 1);
                assertThat(all.get(i).body()).isEqualTo(bs.get(i));
                assertThat(all.get(i).kind()).isEqualTo(ks.get(i));
            }
            // a slice that ends inside a chunk is cut at the exact record
            long sum = 0;
            int expect = -1;
            for (int i = 1000; i < bs.size(); i++) {
                sum += bs.get(i).length;
                if (sum >= 50_000) {
                    expect = i + 1;
                    break;
                }
            }
            assertThat(b.sliceEnd(1000, 50_000)).isEqualTo(expect);
            assertThat(b.read(1000, 3)).extracting(BufferedRecord::id).containsExactly(1001L, 1002L, 1003L);
            assertThat(b.receivedAfter(1000)).isEqualTo(all.get(1000).receivedAt()).isPositive();
            assertThat(b.receivedAfter(bs.size())).isEqualTo(-1);

            // acknowledged in the middle of a chunk: those records are gone for everyone at once
            b.acknowledge("archive", 5000, null);
            b.acknowledge("clickhouse", 4321, null);
            assertThat(b.rows()).isEqualTo(bs.size() - 4321);
            assertThat(b.read(0, 1)).extracting(BufferedRecord::id).containsExactly(4322L);
            long shipped = 0;
            for (int i = 0; i < 5000; i++) {
                shipped += bs.get(i).length;
            }
            assertThat(b.pendingBytes("archive")).isEqualTo(total - shipped);
        }
        try (RecordBuffer b = RecordBuffer.open(f, 2 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            b.registerConsumer("clickhouse");
            assertThat(b.rows()).as("the logical start survives a restart").isEqualTo(bs.size() - 4321);
            assertThat(b.read(0, 1)).extracting(BufferedRecord::id).containsExactly(4322L);
            b.acknowledge("clickhouse", bs.size(), null);
            b.acknowledge("archive", bs.size(), null);
            assertThat(b.rows()).isZero();
            assertThat(b.read(0, 10)).isEmpty();
            assertThat(b.append(kinds(1, RecordKind.LOG), bodies(0, 1, 0))).isEqualTo(bs.size() + 1);
        }
    }

    @Test
    void aBufferWithOneRowPerRecordIsConvertedOnOpen() throws Exception {
        Path f = dir.resolve("old.db");
        List<byte[]> bs = bodies(0, 10_000, 30);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + f);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE records(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
                    + " received_at INTEGER NOT NULL, end_off INTEGER NOT NULL, body BLOB NOT NULL)");
            s.execute("CREATE TABLE cursors(name TEXT PRIMARY KEY, position INTEGER NOT NULL,"
                    + " end_off INTEGER NOT NULL, enabled INTEGER NOT NULL, state TEXT)");
            s.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            c.setAutoCommit(false);
            long off = 0;
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO records VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 0; i < bs.size(); i++) {
                    off += bs.get(i).length;
                    if (i < 3000) {
                        continue; // the first 3,000 were shipped and deleted
                    }
                    ps.setLong(1, i + 1);
                    ps.setInt(2, RecordKind.POINT.code());
                    ps.setLong(3, 1_700_000_000_000L + i);
                    ps.setLong(4, off);
                    ps.setBytes(5, bs.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            long shippedOff = 0;
            for (int i = 0; i < 3000; i++) {
                shippedOff += bs.get(i).length;
            }
            s.execute("INSERT INTO cursors VALUES ('archive', 3000, " + shippedOff + ", 1, 'k=old')");
            c.commit();
        }
        try (RecordBuffer b = RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5)) {
            b.registerConsumer("archive");
            assertThat(b.rows()).isEqualTo(7000);
            assertThat(b.consumerState("archive")).isEqualTo("k=old");
            assertThat(b.pendingBytes("archive")).isEqualTo(bs.subList(3000, 10_000).stream().mapToLong(x -> x.length).sum());
            List<BufferedRecord> got = b.read(b.position("archive"), 10_000);
            assertThat(got).hasSize(7000);
            assertThat(got.get(0).id()).isEqualTo(3001);
            assertThat(got.get(6999).bodyText()).isEqualTo(new String(bs.get(9999), StandardCharsets.UTF_8));
            assertThat(got.get(0).receivedAt()).isEqualTo(1_700_000_000_000L + 3000);
            assertThat(got.get(0).kind()).isEqualTo(RecordKind.POINT);
            assertThat(b.append(kinds(1, RecordKind.LOG), bodies(10_000, 1, 0))).isEqualTo(10_001);
        }
    }

    @Test
    void compressedAndStoredChunksMixAndTheCapCountsStoredBytes() throws Exception {
        Path f = dir.resolve("b.db");
        List<byte[]> first = bodies(0, 3000, 200); // very compressible
        try (RecordBuffer b = RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5, "none", 0)) {
            b.registerConsumer("archive");
            b.append(kinds(3000, RecordKind.LOG), first);
            assertThat(b.status()).containsEntry("compression", "none");
        }
        long plainSize = java.nio.file.Files.size(f);
        List<byte[]> second = bodies(3000, 30_000, 200);
        try (RecordBuffer b = RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5, "zstd", 3)) {
            b.registerConsumer("archive");
            b.append(kinds(30_000, RecordKind.LOG), second);
            assertThat(b.status()).containsEntry("compression", "zstd level 3");
            // 30,000 records of ~215 bytes (6.5 MB) take a fraction of what 3,000 took stored plainly
            assertThat(b.bytesOnDisk()).isLessThan(plainSize * 2);
            List<BufferedRecord> all = b.read(0, 40_000);
            assertThat(all).hasSize(33_000);
            for (int i = 0; i < 33_000; i++) {
                assertThat(all.get(i).body()).isEqualTo(i < 3000 ? first.get(i) : second.get(i - 3000));
            }
            assertThat(b.pendingBytes("archive")).as("offsets count the records' own bytes")
                    .isEqualTo(java.util.stream.Stream.concat(first.stream(), second.stream()).mapToLong(x -> x.length).sum());
        }
        assertThatThrownBy(() -> RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5, "lzma", 1))
                .hasMessageContaining("nervesys.buffer.compression must be zstd or none");
        assertThatThrownBy(() -> RecordBuffer.open(f, 10 << 20, WhenFull.REJECT, 5, "zstd", 99))
                .hasMessageContaining("nervesys.buffer.compressionLevel must be between");
    }

    @Test
    void unknownConsumerIsAClearError() throws Exception {
        try (RecordBuffer b = RecordBuffer.open(dir.resolve("b.db"), 10 << 20, WhenFull.REJECT, 5)) {
            assertThatThrownBy(() -> b.position("nobody")).hasMessageContaining("no buffer consumer named 'nobody'");
        }
    }
}
