package dev.nervesys.bench.webconsole;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.runs.RunCatalogQueries;
import dev.nervesys.runs.Runs;
import dev.nervesys.spi.RunCatalog;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * The run page's data for a run of many points (docs/console.md, "Measured"): a ClickHouse database of
 * its own filled with {@code series} x {@code frames} points of one run, then, alternating, the
 * reference (the whole selection through the runs export, what a page would fetch without server-side
 * down-sampling) and the console's answer (the run's series, then points down-sampled to 1,500 per series
 * and turned into JSON), {@code rounds} times each.
 * Run: {@code java -cp $CP dev.nervesys.bench.webconsole.RunPointsBench 4 250000 5}.
 */
public final class RunPointsBench {

    public static void main(String[] args) throws Exception {
        int series = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 250_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        ObjectMapper json = new ObjectMapper();
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            ClickHouseClient ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(120));
            ClickHouseSchema.create(ch);
            long t0 = System.nanoTime();
            for (int s = 0; s < series; s++) {
                db.query("INSERT INTO {db}.series SELECT 'big', 'engine.s" + s + "', number, toDateTime('2026-01-05 12:00:00', 'UTC'),"
                        + " 0, sin(number / 1000.0) * 100 + " + s + ", number FROM system.numbers LIMIT " + frames);
            }
            System.out.printf("filled %d points in %d ms%n", (long) series * frames, (System.nanoTime() - t0) / 1_000_000);
            RunCatalog catalog = new RunCatalogQueries(new Runs(ch, Duration.ofMinutes(5)), ch);
            List<String> names = catalog.series("big").stream().map(RunCatalog.SeriesInfo::name).toList();
            for (int r = 1; r <= rounds; r++) {
                long a = System.nanoTime();
                long bytes = 0;
                try (InputStream in = catalog.export("big", String.join(",", names), "json", null, null)) {
                    byte[] buf = new byte[65536];
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        bytes += n;
                    }
                }
                long ref = System.nanoTime() - a;
                long b = System.nanoTime();
                catalog.series("big");
                RunCatalog.Points p = catalog.points("big", names, 0, frames - 1, 1500);
                byte[] answer = json.writeValueAsBytes(p);
                long console = System.nanoTime() - b;
                System.out.printf("round %d: reference (export of %d points, %.1f MB) %d ms; console (series + %d x %d points, %.0f KB JSON) %d ms;"
                                + " ratio %.1fx%n", r, (long) series * frames, bytes / 1e6, ref / 1_000_000, names.size(),
                        p.series().values().iterator().next().frames().length, answer.length / 1e3, console / 1_000_000, (double) ref / console);
            }
        }
    }
}
