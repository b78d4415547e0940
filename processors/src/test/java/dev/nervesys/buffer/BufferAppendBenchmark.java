package dev.nervesys.buffer;

import dev.nervesys.ingest.NdjsonParser;
import dev.nervesys.ingest.ParsedBatch;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: the CPU time of parsing and appending 5,000-line requests, per record, on one thread,
 * with the buffer's compression on and off, alternately in one run (docs/benchmarks.md, "Data
 * path"). HTTP is left out: this isolates what the buffer costs.
 *
 * <p>usage: BufferAppendBenchmark RECORDS.ndjson WORKDIR [rounds]
 */
public final class BufferAppendBenchmark {

    public static void main(String[] args) throws Exception {
        byte[] all = Files.readAllBytes(Path.of(args[0]));
        Path work = Files.createDirectories(Path.of(args[1]));
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<byte[]> requests = new ArrayList<>();
        for (int pos = 0; pos < all.length;) {
            int end = pos;
            for (int lines = 0; end < all.length && lines < 5000; end++) {
                if (all[end] == '\n') {
                    lines++;
                }
            }
            requests.add(Arrays.copyOfRange(all, pos, end));
            pos = end;
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int r = 0; r < rounds; r++) {
            for (String compression : new String[] {"none", "zstd"}) {
                Path db = work.resolve("append-" + compression + "-" + r + ".db");
                long parse = 0;
                long append = 0;
                long records = 0;
                long disk;
                try (RecordBuffer b = RecordBuffer.open(db, 4L << 30, WhenFull.REJECT, 1, compression, 1)) {
                    for (byte[] req : requests) {
                        long t0 = cpu.getCurrentThreadCpuTime();
                        ParsedBatch batch = new ParsedBatch();
                        new NdjsonParser().parse(req, req.length, batch);
                        long t1 = cpu.getCurrentThreadCpuTime();
                        b.append(batch.kinds(), batch.bodies());
                        append += cpu.getCurrentThreadCpuTime() - t1;
                        parse += t1 - t0;
                        records += batch.accepted();
                    }
                    disk = b.bytesOnDisk();
                }
                System.out.printf("round %d %-5s parse %.3f us/record, append %.3f us/record, %,d records, %,d bytes on disk%n",
                        r, compression, parse / 1e3 / records, append / 1e3 / records, records, disk);
                for (String suffix : new String[] {"", "-wal", "-shm"}) {
                    Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
                }
            }
        }
    }
}
