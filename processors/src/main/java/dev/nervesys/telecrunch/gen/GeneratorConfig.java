package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.schema.Schema;

/**
 * What to generate. Defaults for interval, jitter and event rate come from the schema's
 * {@code generator:} section.
 *
 * @param count             records to emit in total (dropouts do not count)
 * @param sources           number of simulated sources
 * @param threads           worker threads; sources are spread over them
 * @param rate              total records per second, 0 for as fast as possible
 * @param anomalyRate       probability per record of an injected anomaly
 * @param outOfRangeAllowed false when the sink packs (out-of-range values cannot be packed)
 * @param startNanos        time of the first record, nanoseconds since the epoch
 */
public record GeneratorConfig(Schema schema, long count, int sources, int threads, long seed, double rate,
                              double anomalyRate, boolean outOfRangeAllowed, int blockRecords, String runId,
                              long startNanos, long intervalNanos, long jitterNanos, double eventRate) {

    public static final long DEFAULT_START = 1_765_368_000_000_000_000L; // 2025-12-10T12:00:00Z

    public static GeneratorConfig defaults(Schema schema, long count) {
        var g = schema.generator();
        return new GeneratorConfig(schema, count, g.path("sources").asInt(4), Runtime.getRuntime().availableProcessors(),
                1, 0, 0, true, 4096, "run-1", DEFAULT_START, Math.round(g.path("intervalMs").asDouble(10) * 1e6),
                Math.round(g.path("jitterUs").asDouble(0) * 1e3), g.path("eventRate").asDouble(0));
    }

    public GeneratorConfig withThreads(int t) {
        return new GeneratorConfig(schema, count, sources, t, seed, rate, anomalyRate, outOfRangeAllowed, blockRecords,
                runId, startNanos, intervalNanos, jitterNanos, eventRate);
    }

    public GeneratorConfig with(long seedValue, double anomalies, double recordsPerSecond, int sourceCount) {
        return new GeneratorConfig(schema, count, sourceCount, threads, seedValue, recordsPerSecond, anomalies,
                outOfRangeAllowed, blockRecords, runId, startNanos, intervalNanos, jitterNanos, eventRate);
    }

    public GeneratorConfig withSink(boolean allowOutOfRange, int block, String run) {
        return new GeneratorConfig(schema, count, sources, threads, seed, rate, anomalyRate, allowOutOfRange, block, run,
                startNanos, intervalNanos, jitterNanos, eventRate);
    }
}
