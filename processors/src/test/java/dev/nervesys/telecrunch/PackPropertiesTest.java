package dev.nervesys.telecrunch;

import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.TcbReader;
import dev.nervesys.telecrunch.pack.TcbWriter;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random schemas, random records: whatever is packed comes back identical. */
class PackPropertiesTest {

    @Property(tries = 80)
    void randomSchemasAndRecordsRoundTripThroughAFile(@ForAll("schemas") String yaml, @ForAll long seed,
                                                     @ForAll @IntRange(min = 1, max = 400) int records,
                                                     @ForAll @IntRange(min = 1, max = 12) int sources) throws IOException {
        Schema schema = SchemaLoader.parse(yaml);
        RecordBlock in = Blocks.random(schema, records, sources, seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TcbWriter w = new TcbWriter(out, schema, "p")) {
            w.write(in);
        }
        TcbReader r = new TcbReader("p", out.toByteArray(), schema);
        Blocks.assertSame(in, r.next());
        org.assertj.core.api.Assertions.assertThat(r.next()).isNull();
        org.assertj.core.api.Assertions.assertThat(r.problems()).isEmpty();
    }

    @Provide
    Arbitrary<String> schemas() {
        return field().list().ofMinSize(1).ofMaxSize(12).map(PackPropertiesTest::yaml);
    }

    private static String yaml(List<String> fields) {
        StringBuilder sb = new StringBuilder("name: prop\nversion: 1\nfields:\n");
        for (int i = 0; i < fields.size(); i++) {
            sb.append("  - {name: f").append(i).append(", ").append(fields.get(i)).append("}\n");
        }
        return sb.toString();
    }

    private static Arbitrary<String> field() {
        Arbitrary<Long> small = Arbitraries.longs().between(-1_000_000_000_000L, 1_000_000_000_000L);
        return Arbitraries.oneOf(
                Combinators.combine(small, Arbitraries.longs().between(0, 1L << 40))
                        .as((min, span) -> "type: int, min: " + min + ", max: " + (min + span)),
                Combinators.combine(Arbitraries.integers().between(1, 64), Arbitraries.of(true, false))
                        .as((bits, signed) -> "type: int, bits: " + (signed ? bits : Math.min(bits, 63)) + ", signed: " + signed),
                Arbitraries.just("type: bool"),
                Arbitraries.integers().between(1, 300).map(n -> "type: enum, values: [" + String.join(", ",
                        java.util.stream.IntStream.range(0, n).mapToObj(k -> "v" + k).toList()) + "]"),
                Arbitraries.of("ns", "us", "ms", "s").map(r -> "type: time, resolution: " + r),
                Combinators.combine(Arbitraries.integers().between(-100000, 100000),
                                Arbitraries.integers().between(10, 100000), Arbitraries.of("1", "0.5", "0.01", "0.001", "0.25", "10"))
                        .as((min, span, p) -> "type: float, min: " + min + ", max: " + (min + span) + ", precision: " + p),
                Arbitraries.integers().between(1, 300).map(n -> "type: string, maxLength: " + n));
    }
}
