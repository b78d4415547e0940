package dev.nervesys.telecrunch.codec;

import dev.nervesys.telecrunch.schema.ValueText;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * CSV (RFC 4180 quoting by jackson-dataformat-csv) with a header row: run_id, source, type,
 * frame, time, seq, then one column per schema field, in schema order. Values as in NDJSON.
 */
public final class CsvWriter implements RecordWriter {

    private static final CsvMapper MAPPER = new CsvMapper();

    private final JsonGenerator gen;
    private final StringBuilder sb = new StringBuilder(32);
    private final ValueText.TimeText times = new ValueText.TimeText();
    private final String[] columns;

    public CsvWriter(Schema schema, OutputStream out) {
        CsvSchema.Builder cs = CsvSchema.builder();
        columns = new String[6 + schema.fieldCount()];
        String[] fixed = {"run_id", "source", "type", "frame", "time", "seq"};
        System.arraycopy(fixed, 0, columns, 0, 6);
        for (int f = 0; f < schema.fieldCount(); f++) {
            columns[6 + f] = schema.field(f).name();
        }
        for (String c : columns) {
            cs.addColumn(c);
        }
        try {
            gen = MAPPER.getFactory().createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gen.setSchema(cs.build().withHeader());
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @Override
    public void write(RecordBlock b) throws IOException {
        Schema schema = b.schema();
        for (int i = 0; i < b.size(); i++) {
            gen.writeStartObject();
            gen.writeStringField(columns[0], b.runId());
            gen.writeStringField(columns[1], b.sourceName(b.source[i]));
            gen.writeStringField(columns[2], b.type[i] == RecordBlock.EVENT ? "event" : "update");
            gen.writeNumberField(columns[3], b.frame[i]);
            sb.setLength(0);
            times.append(sb, b.time[i], 9);
            gen.writeStringField(columns[4], sb.toString());
            gen.writeNumberField(columns[5], b.seq[i]);
            for (int f = 0; f < schema.fieldCount(); f++) {
                FieldSpec spec = schema.field(f);
                if (spec.type() == dev.nervesys.telecrunch.schema.FieldType.STRING) {
                    gen.writeStringField(columns[6 + f], b.strings[f][i]);
                } else {
                    sb.setLength(0);
                    ValueText.appendUnit(sb, spec, b.values[f][i], times);
                    gen.writeStringField(columns[6 + f], sb.toString());
                }
            }
            gen.writeEndObject();
        }
    }

    @Override
    public void flush() throws IOException {
        gen.flush();
    }
}
