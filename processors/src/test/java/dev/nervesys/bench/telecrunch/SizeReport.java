package dev.nervesys.bench.telecrunch;

import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.gen.Generator;
import dev.nervesys.telecrunch.gen.GeneratorConfig;
import dev.nervesys.telecrunch.gen.RecordSink;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.TcbWriter;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Size comparison in one run: the same generated records written as .tcb and as NDJSON, plus
 * the packed size of each column, so bytes per value can be quoted per channel.
 * Usage: SizeReport SCHEMA RECORDS OUTDIR  (then run reference.py / gzip -6 on OUTDIR/records.ndjson)
 */
public final class SizeReport {

    public static void main(String[] args) throws Exception {
        Schema schema = dev.nervesys.telecrunch.schema.SchemaLoader.load(Path.of(args[0]));
        long count = Long.parseLong(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        GeneratorConfig cfg = GeneratorConfig.defaults(schema, count).with(1, 0, 0, 4).withThreads(1)
                .withSink(false, 4096, "size-report");
        try (OutputStream tcb = new BufferedOutputStream(Files.newOutputStream(dir.resolve("records.tcb")));
             OutputStream nd = new BufferedOutputStream(Files.newOutputStream(dir.resolve("records.ndjson")));
             TcbWriter w = new TcbWriter(tcb, schema, "size-report")) {
            RecordWriter json = OutputFormat.NDJSON.open(schema, nd);
            new Generator(cfg).run(t -> new RecordSink() {
                @Override
                public long accept(RecordBlock b) throws java.io.IOException {
                    w.write(b);
                    json.write(b);
                    return 0;
                }

                @Override
                public void close() throws java.io.IOException {
                    json.flush();
                }
            });
        }
        long tcb = Files.size(dir.resolve("records.tcb"));
        long nd = Files.size(dir.resolve("records.ndjson"));
        int values = schema.fieldCount() + 3;
        System.out.printf(Locale.ROOT, "records %,d, values/record %d (fields + seq, frame, time)%n", count, values);
        System.out.printf(Locale.ROOT, "tcb     %,12d bytes  %.3f bytes/record  %.3f bytes/value%n", tcb, (double) tcb / count,
                (double) tcb / count / values);
        System.out.printf(Locale.ROOT, "ndjson  %,12d bytes  %.1f bytes/record%n", nd, (double) nd / count);
        perField(schema, count);
    }

    /** Packs each field alone (a one-field schema) to attribute the size to channels. */
    private static void perField(Schema schema, long count) throws Exception {
        String yaml = new String(Files.readAllBytes(Path.of("../config/schemas/engine.yaml")));
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(yaml);
        for (com.fasterxml.jackson.databind.JsonNode f : root.get("fields")) {
            Schema one = dev.nervesys.telecrunch.schema.SchemaLoader.parse("name: one\nversion: 1\nfields:\n  - "
                    + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(f) + "\n");
            Schema none = dev.nervesys.telecrunch.schema.SchemaLoader.parse(
                    "name: one\nversion: 1\nfields:\n  - {name: c, type: enum, values: [a]}\n");
            long with = packed(one, count);
            long without = packed(none, count);
            System.out.printf(Locale.ROOT, "  %-14s %-6s %.3f bytes/value%n", f.get("name").asText(),
                    one.field(0).type().yamlName(), (double) (with - without) / count);
        }
    }

    private static long packed(Schema schema, long count) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GeneratorConfig cfg = GeneratorConfig.defaults(schema, count).with(1, 0, 0, 4).withThreads(1)
                .withSink(false, 4096, "x");
        // same sources, clocks and jitter as the full run; the models of other fields do not
        // share the random stream's order, so the values differ but have the same statistics
        try (TcbWriter w = new TcbWriter(buf, schema, "x")) {
            new Generator(new GeneratorConfig(schema, count, 4, 1, 1, 0, 0, false, 4096, "x", cfg.startNanos(),
                    Math.round(1e7), 20_000, 0.002)).run(t -> new RecordSink() {
                @Override
                public long accept(RecordBlock b) throws java.io.IOException {
                    w.write(b);
                    return 0;
                }

                @Override
                public void close() {
                }
            });
        }
        return buf.size();
    }
}
