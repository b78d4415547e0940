package dev.nervesys.reports;

import dev.nervesys.buffer.TestSettings;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Measured, not a test (docs/benchmarks.md, "Reports"): a day of 1,000 agents x 1,440 heartbeats
 * (1.44 million rows) in PostgreSQL, rendered to PDF + XLSX + CSV. Run with -Xmx256m; prints the
 * render time and the peak heap. Arguments: [agents] [minutes].
 */
public final class ReportBenchmark {

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 1440;
        LocalDate day = LocalDate.of(2025, 12, 10);
        try (HeartbeatFixture db = new HeartbeatFixture()) {
            long t0 = System.nanoTime();
            long rows = db.fill(day.atStartOfDay(ZoneOffset.UTC).toInstant(), agents, minutes);
            System.out.printf("filled %,d rows in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);
            Path dir = Files.createTempDirectory("report-bench");
            TestSettings s = new TestSettings(dir).set("nervesys.reports.source.url", db.url);
            s.env("NERVESYS_POSTGRES_USER", "postgres");
            ReportService service = new ReportService(ReportSettings.from(s), new ReportStatus(false, Clock.systemUTC()),
                    Clock.fixed(Instant.parse("2025-12-11T08:00:00Z"), ZoneOffset.UTC));
            System.gc();
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                p.resetPeakUsage();
            }
            long t1 = System.nanoTime();
            List<String> files = service.produce(ReportPeriod.day(day, ZoneId.of("UTC")), List.of(), dir.resolve("out"));
            double seconds = (System.nanoTime() - t1) / 1e9;
            long peak = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    peak += p.getPeakUsage().getUsed();
                }
            }
            System.out.printf("report of %,d rows: %.1f s, peak heap (sum of pool peaks) %d MB, max heap %d MB%n", rows, seconds,
                    peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
            for (String f : files) {
                System.out.printf("  %s %,d bytes%n", Path.of(f).getFileName(), Files.size(Path.of(f)));
            }
        }
    }
}
