package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.telecrunch.pack.BitWriter;
import dev.nervesys.telecrunch.pack.BlockDecoder;
import dev.nervesys.telecrunch.pack.BlockEncoder;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Test helpers: random valid records, encode/decode in memory, record-by-record comparison. */
public final class Blocks {

    private Blocks() {
    }

    public static Schema engine() {
        try {
            return SchemaLoader.load(Path.of("../config/schemas/engine.yaml"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Random values inside every field's range, with slowly varying numbers and some jumps. */
    public static RecordBlock random(Schema schema, int n, int sources, long seed) {
        Random rnd = new Random(seed);
        RecordBlock b = new RecordBlock(schema, n);
        for (int s = 0; s < sources; s++) {
            b.sourceIndex("src-" + s + (s % 3 == 2 ? "-ünï 名" : ""));
        }
        long[] seq = new long[sources];
        long t0 = 1_765_368_000_000_000_000L;
        for (int i = 0; i < n; i++) {
            int s = rnd.nextInt(sources);
            long time = t0 + i * 10_000_000L + (rnd.nextInt(10) == 0 ? rnd.nextLong() % 1_000_000_000_000L : 0);
            int r = b.append(rnd.nextInt(20) == 0 ? RecordBlock.EVENT : RecordBlock.UPDATE, s,
                    seq[s]++ + (rnd.nextInt(50) == 0 ? 3 : 0), rnd.nextInt(1000), time);
            for (int f = 0; f < schema.fieldCount(); f++) {
                FieldSpec spec = schema.field(f);
                if (spec.type() == FieldType.STRING) {
                    b.strings[f][r] = randomString(rnd, spec.maxLength());
                } else if (spec.type() == FieldType.TIME) {
                    b.values[f][r] = (time / spec.resolutionNanos()) - rnd.nextInt(3);
                } else {
                    b.values[f][r] = randomUnit(rnd, spec);
                }
            }
        }
        return b;
    }

    static long randomUnit(Random rnd, FieldSpec spec) {
        long lo = spec.minUnit();
        long hi = spec.maxUnit();
        return switch (rnd.nextInt(4)) {
            case 0 -> lo;
            case 1 -> hi;
            default -> {
                long size = hi - lo + 1; // unsigned; 0 means all 2^64 values
                yield size == 0 ? rnd.nextLong() : lo + Long.remainderUnsigned(rnd.nextLong(), size);
            }
        };
    }

    static String randomString(Random rnd, int maxBytes) {
        String[] pieces = {"a", "é", "名", "🚀", " ", "\"", "\\", ",", "=", "\n"};
        StringBuilder sb = new StringBuilder();
        int target = rnd.nextInt(maxBytes + 1);
        while (true) {
            String p = pieces[rnd.nextInt(pieces.length)];
            if ((sb + p).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > target) {
                return sb.toString();
            }
            sb.append(p);
        }
    }

    public static RecordBlock roundTrip(RecordBlock in) {
        BitWriter w = new BitWriter();
        new BlockEncoder(in.schema()).encode(in, w);
        int len = w.finish();
        RecordBlock out = new RecordBlock(in.schema(), Math.max(1, in.size()));
        new BlockDecoder(in.schema()).decode(w.buffer(), 0, len, in.size(), out);
        return out;
    }

    public static void assertSame(RecordBlock expected, RecordBlock actual) {
        Schema schema = expected.schema();
        assertThat(actual.size()).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            String at = "record " + i;
            assertThat(actual.type[i]).as(at + " type").isEqualTo(expected.type[i]);
            assertThat(actual.sourceName(actual.source[i])).as(at + " source").isEqualTo(expected.sourceName(expected.source[i]));
            assertThat(actual.seq[i]).as(at + " seq").isEqualTo(expected.seq[i]);
            assertThat(actual.frame[i]).as(at + " frame").isEqualTo(expected.frame[i]);
            assertThat(actual.time[i]).as(at + " time").isEqualTo(expected.time[i]);
            for (int f = 0; f < schema.fieldCount(); f++) {
                String what = at + " field " + schema.field(f).name();
                if (schema.field(f).type() == FieldType.STRING) {
                    assertThat(actual.strings[f][i]).as(what).isEqualTo(expected.strings[f][i]);
                } else {
                    assertThat(actual.values[f][i]).as(what).isEqualTo(expected.values[f][i]);
                }
            }
        }
    }
}
