package dev.nervesys.telecrunch.cli;

import dev.nervesys.telecrunch.gen.GeneratorStats;
import java.io.PrintStream;
import java.util.Locale;

/** Renders a one-line progress bar with live rates to stderr (redrawn with a carriage return). */
final class Progress {

    private final GeneratorStats stats;
    private final long total;
    private final PrintStream out;
    private long lastRecords;
    private double lastSeconds;

    Progress(GeneratorStats stats, long total, PrintStream out) {
        this.stats = stats;
        this.total = total;
        this.out = out;
    }

    void draw() {
        long records = stats.records();
        double seconds = stats.elapsedSeconds();
        double rate = (records - lastRecords) / Math.max(1e-9, seconds - lastSeconds);
        lastRecords = records;
        lastSeconds = seconds;
        int width = 30;
        int done = total == 0 ? width : (int) (width * records / total);
        out.print(String.format(Locale.ROOT, "\r[%s%s] %3d%% %,d rec  %,.0f rec/s  %,.1f MB/s  anomalies %,d ",
                "#".repeat(done), ".".repeat(width - done), total == 0 ? 100 : records * 100 / total, records, rate,
                stats.bytes() / 1e6 / Math.max(1e-9, seconds), stats.anomalies()));
        out.flush();
    }

    static String summary(GeneratorStats s) {
        double sec = Math.max(1e-9, s.elapsedSeconds());
        return String.format(Locale.ROOT,
                "records %,d in %.2f s: %,.0f records/s, %,d bytes (%,.1f MB/s, %.2f bytes/record), anomalies %,d, failed batches %,d",
                s.records(), sec, s.records() / sec, s.bytes(), s.bytes() / 1e6 / sec,
                s.records() == 0 ? 0.0 : (double) s.bytes() / s.records(), s.anomalies(), s.failures());
    }
}
