package dev.nervesys.telecrunch.codec;

import dev.nervesys.telecrunch.schema.ValueText;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * NDJSON in the record shape shared with ingest:
 * {@code {"run_id","source","type","frame","time","seq","fields":{...}}}, one object per line.
 * Floats are written as exact decimal literals from their units.
 */
public final class NdjsonWriter implements RecordWriter {

    // emoji as UTF-8 rather than \uD83D\uDE80 pairs: readable, and shorter on the wire
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private final JsonGenerator gen;
    private final StringBuilder sb = new StringBuilder(32);
    private final ValueText.TimeText times = new ValueText.TimeText();

    public NdjsonWriter(OutputStream out) {
        try {
            gen = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // one record per line: the newline is written after each record instead of between root values
        gen.setRootValueSeparator(new SerializedString(""));
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @Override
    public void write(RecordBlock b) throws IOException {
        Schema schema = b.schema();
        int nf = schema.fieldCount();
        for (int i = 0; i < b.size(); i++) {
            gen.writeStartObject();
            gen.writeStringField("run_id", b.runId());
            gen.writeStringField("source", b.sourceName(b.source[i]));
            gen.writeStringField("type", b.type[i] == RecordBlock.EVENT ? "event" : "update");
            gen.writeNumberField("frame", b.frame[i]);
            sb.setLength(0);
            times.append(sb, b.time[i], 9);
            gen.writeStringField("time", sb.toString());
            gen.writeNumberField("seq", b.seq[i]);
            gen.writeObjectFieldStart("fields");
            for (int f = 0; f < nf; f++) {
                FieldSpec spec = schema.field(f);
                gen.writeFieldName(spec.name());
                switch (spec.type()) {
                    case INT -> gen.writeNumber(b.values[f][i]);
                    case BOOL -> gen.writeBoolean(b.values[f][i] != 0);
                    case STRING -> gen.writeString(b.strings[f][i]);
                    case FLOAT -> {
                        sb.setLength(0);
                        ValueText.appendFixed(sb, b.values[f][i] * spec.precisionScaled(), spec.decimals());
                        gen.writeNumber(sb.toString());
                    }
                    default -> {
                        sb.setLength(0);
                        ValueText.appendUnit(sb, spec, b.values[f][i], times);
                        gen.writeString(sb.toString());
                    }
                }
            }
            gen.writeEndObject();
            gen.writeEndObject();
            gen.writeRaw('\n');
        }
    }

    @Override
    public void flush() throws IOException {
        gen.flush();
    }
}
