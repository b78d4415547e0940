package dev.nervesys.bench.telecrunch;

import dev.nervesys.telecrunch.gen.Generator;
import dev.nervesys.telecrunch.gen.GeneratorConfig;
import dev.nervesys.telecrunch.gen.RecordSink;
import dev.nervesys.telecrunch.pack.BitWriter;
import dev.nervesys.telecrunch.pack.BlockDecoder;
import dev.nervesys.telecrunch.pack.BlockEncoder;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode throughput of one 4096-record block of engine.yaml telemetry, single thread.
 * Scores are records per second (one operation = one record); values per second = score times
 * values per record: 15 for engine (12 fields + seq, frame, time), 11 for numeric (8 + 3).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PackBenchmark {

    static final int RECORDS = 4096;

    /** engine = config/schemas/engine.yaml (12 fields incl. a string); numeric = its 8 int/float fields only. */
    @Param({"engine", "numeric"})
    public String schemaName;

    private RecordBlock block;
    private BlockEncoder encoder;
    private BlockDecoder decoder;
    private final BitWriter writer = new BitWriter(1 << 20);
    private byte[] payload;
    private int payloadLength;
    private RecordBlock target;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Schema schema = schema(schemaName);
        block = sample(schema, RECORDS);
        encoder = new BlockEncoder(schema);
        decoder = new BlockDecoder(schema);
        writer.reset();
        encoder.encode(block, writer);
        payloadLength = writer.finish();
        payload = java.util.Arrays.copyOf(writer.buffer(), payloadLength);
        target = new RecordBlock(schema, RECORDS);
    }

    static Schema schema(String name) throws Exception {
        Schema engine = SchemaLoader.load(Path.of(System.getProperty("telecrunch.schema", "../config/schemas/engine.yaml")));
        if (name.equals("engine")) {
            return engine;
        }
        StringBuilder yaml = new StringBuilder("name: numeric\nversion: 1\nfields:\n");
        String text = java.nio.file.Files.readString(Path.of(System.getProperty("telecrunch.schema", "../config/schemas/engine.yaml")));
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(text);
        for (com.fasterxml.jackson.databind.JsonNode f : root.get("fields")) {
            String type = f.get("type").asText();
            if (type.equals("int") || type.equals("float")) {
                yaml.append("  - ").append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(f)).append('\n');
            }
        }
        return SchemaLoader.parse(yaml.toString());
    }

    /** A block of generated telemetry (4 sources, seed 1, no anomalies). */
    static RecordBlock sample(Schema schema, int records) throws Exception {
        RecordBlock[] holder = new RecordBlock[1];
        GeneratorConfig cfg = GeneratorConfig.defaults(schema, records).with(1, 0, 0, 4).withThreads(1)
                .withSink(true, records, "bench");
        new Generator(cfg).run(t -> new RecordSink() {
            @Override
            public long accept(RecordBlock b) {
                RecordBlock copy = new RecordBlock(schema, b.size());
                BitWriter w = new BitWriter();
                new BlockEncoder(schema).encode(b, w);
                int len = w.finish();
                new BlockDecoder(schema).decode(w.buffer(), 0, len, b.size(), copy);
                holder[0] = copy;
                return 0;
            }

            @Override
            public void close() {
            }
        });
        return holder[0];
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int encode() {
        writer.reset();
        encoder.encode(block, writer);
        return writer.finish();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int decode() {
        decoder.decode(payload, 0, payloadLength, RECORDS, target);
        return target.size();
    }
}
