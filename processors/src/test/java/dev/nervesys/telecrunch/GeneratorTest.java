package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.gen.Anomaly;
import dev.nervesys.telecrunch.gen.Generator;
import dev.nervesys.telecrunch.gen.GeneratorConfig;
import dev.nervesys.telecrunch.gen.RecordSink;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static final Schema ENGINE = Blocks.engine();

    /** Runs the generator and returns its records as NDJSON lines, sorted. */
    private static List<String> lines(GeneratorConfig cfg, List<Anomaly> anomaliesOut) throws Exception {
        List<String> all = Collections.synchronizedList(new ArrayList<>());
        List<Anomaly> a = new Generator(cfg).run(t -> new RecordSink() {
            final ByteArrayOutputStream buf = new ByteArrayOutputStream();
            final RecordWriter w = OutputFormat.NDJSON.open(ENGINE, buf);

            @Override
            public long accept(RecordBlock block) throws IOException {
                w.write(block);
                w.flush();
                return block.size();
            }

            @Override
            public void close() {
                all.addAll(List.of(buf.toString(StandardCharsets.UTF_8).split("\n")));
            }
        });
        anomaliesOut.addAll(a);
        List<String> sorted = new ArrayList<>(all);
        Collections.sort(sorted);
        return sorted;
    }

    @Test
    void sameSeedSameRecordsWhateverTheThreadCount() throws Exception {
        GeneratorConfig cfg = GeneratorConfig.defaults(ENGINE, 3000).with(7, 0.01, 0, 5);
        List<Anomaly> a1 = new ArrayList<>();
        List<Anomaly> a2 = new ArrayList<>();
        List<String> one = lines(cfg.withThreads(1), a1);
        List<String> two = lines(cfg.withThreads(2), a2);
        assertThat(one).hasSize(3000).isEqualTo(two);
        assertThat(a1).isEqualTo(a2).isNotEmpty();
        assertThat(lines(cfg.with(8, 0.01, 0, 5).withThreads(2), new ArrayList<>())).isNotEqualTo(one);
    }

    @Test
    void injectedAnomaliesAreFindableInTheOutput() throws Exception {
        GeneratorConfig cfg = GeneratorConfig.defaults(ENGINE, 20_000).with(3, 0.02, 0, 2).withThreads(2);
        List<Anomaly> anomalies = new ArrayList<>();
        List<String> lines = lines(cfg, anomalies);
        assertThat(lines).hasSize(20_000);
        Map<Anomaly.Kind, Long> byKind = anomalies.stream().collect(Collectors.groupingBy(Anomaly::kind, TreeMap::new, Collectors.counting()));
        assertThat(byKind.keySet()).containsExactlyInAnyOrder(Anomaly.Kind.values());
        // about 2% of ~20,000 records, with generous bounds for randomness
        assertThat(anomalies.size()).isBetween(250, 600);
        Map<String, String> bySourceSeq = new java.util.HashMap<>();
        for (String l : lines) {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
            bySourceSeq.put(node.get("source").asText() + "#" + node.get("seq").asLong(), l);
        }
        for (Anomaly a : anomalies) {
            String line = bySourceSeq.get(a.source() + "#" + a.seq());
            switch (a.kind()) {
                case DROPOUT -> assertThat(line).as("dropout %s leaves a sequence gap", a).isNull();
                case OUT_OF_RANGE -> {
                    var f = ENGINE.field(ENGINE.indexOf(a.field()));
                    double v = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("fields").get(a.field()).asDouble();
                    double max = f.type() == dev.nervesys.telecrunch.schema.FieldType.FLOAT ? f.unitToDouble(f.maxUnit()) : f.maxUnit();
                    double min = f.type() == dev.nervesys.telecrunch.schema.FieldType.FLOAT ? f.unitToDouble(f.minUnit()) : f.minUnit();
                    assertThat(v < min || v > max).as("%s out of range: %s", a, v).isTrue();
                }
                default -> assertThat(line).as("%s present", a).isNotNull();
            }
        }
    }
}
