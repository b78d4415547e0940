package dev.nervesys.telecrunch.gen;

import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated source: its own random stream (derived from the seed and the source number, so
 * its records do not depend on how sources are spread over threads), clock, sequence and models.
 */
final class SourceSimulator {

    private static final int STUCK_RECORDS = 25;

    final String name;
    private final Schema schema;
    private final SplittableRandom rnd;
    private final ValueModel[] models;
    private final int[] numericFields;
    private final long intervalNanos;
    private final long jitterNanos;
    private final double eventRate;
    private final double anomalyRate;
    private final boolean outOfRangeAllowed;
    private final long[] stuckValue;
    private final int[] stuckLeft;
    private long seq;
    private long frame;
    private long clock;

    SourceSimulator(Schema schema, int index, long seed, long startNanos, GeneratorConfig cfg) {
        this.schema = schema;
        this.name = schema.name() + "-" + index;
        this.rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        int nf = schema.fieldCount();
        models = new ValueModel[nf];
        stuckValue = new long[nf];
        stuckLeft = new int[nf];
        int numeric = 0;
        for (int f = 0; f < nf; f++) {
            models[f] = ValueModel.of(schema.field(f));
            numeric += isNumeric(schema.field(f)) ? 1 : 0;
        }
        numericFields = new int[numeric];
        for (int f = 0, k = 0; f < nf; f++) {
            if (isNumeric(schema.field(f))) {
                numericFields[k++] = f;
            }
        }
        intervalNanos = cfg.intervalNanos();
        jitterNanos = cfg.jitterNanos();
        eventRate = cfg.eventRate();
        anomalyRate = cfg.anomalyRate();
        outOfRangeAllowed = cfg.outOfRangeAllowed();
        clock = startNanos;
    }

    private static boolean isNumeric(FieldSpec s) {
        return s.type() == FieldType.INT || s.type() == FieldType.FLOAT;
    }

    /**
     * Produces the next record into {@code b} (source index {@code src}); returns false when the
     * record was dropped (a dropout anomaly), in which case its sequence number is skipped.
     */
    boolean emit(RecordBlock b, int src, List<Anomaly> log) {
        long s = seq++;
        long f = frame++;
        long t = clock + (jitterNanos > 0 ? rnd.nextLong(-jitterNanos, jitterNanos + 1) : 0);
        clock += intervalNanos;
        Anomaly.Kind anomaly = null;
        int target = -1;
        if (anomalyRate > 0 && rnd.nextDouble() < anomalyRate) {
            anomaly = Anomaly.Kind.values()[rnd.nextInt(outOfRangeAllowed ? 4 : 3)];
            if (anomaly == Anomaly.Kind.DROPOUT || numericFields.length == 0) {
                // still advance the models so that later values do not depend on the dropout
                for (int k = 0; k < models.length; k++) {
                    models[k].next(rnd, t);
                }
                log.add(new Anomaly(name, s, null, Anomaly.Kind.DROPOUT));
                return false;
            }
            target = numericFields[rnd.nextInt(numericFields.length)];
            log.add(new Anomaly(name, s, schema.field(target).name(), anomaly));
        }
        byte type = rnd.nextDouble() < eventRate ? RecordBlock.EVENT : RecordBlock.UPDATE;
        int r = b.append(type, src, s, f, t);
        for (int k = 0; k < models.length; k++) {
            FieldSpec spec = schema.field(k);
            if (spec.type() == FieldType.STRING) {
                b.strings[k][r] = models[k].nextString(rnd);
                continue;
            }
            long v = models[k].next(rnd, t);
            if (stuckLeft[k] > 0) {
                stuckLeft[k]--;
                v = stuckValue[k];
            }
            if (k == target) {
                v = inject(anomaly, spec, k, v);
            }
            b.values[k][r] = v;
        }
        return true;
    }

    private long inject(Anomaly.Kind kind, FieldSpec spec, int k, long v) {
        long span = Math.max(1, spec.maxUnit() - spec.minUnit());
        return switch (kind) {
            case SPIKE -> rnd.nextBoolean() ? spec.maxUnit() : spec.minUnit();
            case STUCK -> {
                stuckValue[k] = v;
                stuckLeft[k] = STUCK_RECORDS;
                yield v;
            }
            case OUT_OF_RANGE -> spec.maxUnit() > Long.MAX_VALUE - span / 10 - 1 ? spec.minUnit() - 1 - span / 10
                    : spec.maxUnit() + 1 + span / 10;
            case DROPOUT -> v;
        };
    }
}
