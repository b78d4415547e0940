package dev.nervesys.ingest;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.spi.RecordKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: the CPU time per record, on one thread, of the two places that read record times:
 * the ingest's validation ({@link NdjsonParser}, 5,000-line requests) and the ClickHouse shipper's
 * encoding ({@code RowEncoder.encode}, RowBinary, 5,000-record batches), best of ROUNDS rounds.
 * Run the same file against two builds alternately to compare them (docs/ingest.md, "Times").
 *
 * <p>usage: TimeCheckBenchmark RECORDS.ndjson ROUNDS
 */
public final class TimeCheckBenchmark {
    public static void main(String[] a) throws Exception {
        byte[] all = Files.readAllBytes(Path.of(a[0]));
        int rounds = Integer.parseInt(a[1]);
        List<byte[]> requests = new ArrayList<>();
        List<List<BufferedRecord>> batches = new ArrayList<>();
        long id = 1;
        for (int pos = 0; pos < all.length;) {
            int end = pos;
            List<BufferedRecord> rows = new ArrayList<>();
            int ls = pos;
            for (int lines = 0; end < all.length && lines < 5000; end++) {
                if (all[end] == '\n') {
                    lines++;
                    rows.add(new BufferedRecord(id++, RecordKind.TELEMETRY, 1765368000000L, Arrays.copyOfRange(all, ls, end)));
                    ls = end + 1;
                }
            }
            requests.add(Arrays.copyOfRange(all, pos, end));
            batches.add(rows);
            pos = end;
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double bestParse = 1e9, bestEncode = 1e9;
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            long records = 0;
            long t0 = cpu.getCurrentThreadCpuTime();
            for (byte[] req : requests) {
                ParsedBatch b = new ParsedBatch();
                new NdjsonParser().parse(req, req.length, b);
                records += b.accepted();
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (List<BufferedRecord> rows : batches) {
                RowEncoder.Batch b = RowEncoder.encode(rows, true, true);
                sink += b.records + b.rejected.size();
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            double p = (t1 - t0) / 1e3 / records, e = (t2 - t1) / 1e3 / records;
            bestParse = Math.min(bestParse, p);
            bestEncode = Math.min(bestEncode, e);
            System.out.printf("round %d parse %.3f us/rec encode %.3f us/rec (%d records, %d encoded)%n", r, p, e, records, sink);
        }
        System.out.printf("best parse %.3f us/rec, best encode %.3f us/rec%n", bestParse, bestEncode);
    }
}
