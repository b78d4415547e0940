package dev.nervesys.telecrunch.codec;

import dev.nervesys.telecrunch.schema.ValueText;

import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * InfluxDB line protocol: measurement = schema name; tags source, run_id (when set) and type;
 * fields seq, frame and the schema's fields; timestamp in nanoseconds. Ints carry the {@code i}
 * suffix, enums and strings are quoted strings, time fields are integer nanoseconds.
 *
 * <p>Escaping follows the InfluxDB reference: measurement escapes comma and space; tag keys, tag
 * values and field keys escape comma, equals sign and space; string field values escape double
 * quote and backslash. Line protocol cannot carry line breaks: they become a space in names and
 * tags, and the two characters {@code \n} in string values.
 */
public final class LineProtocolWriter implements RecordWriter {

    private final OutputStream out;
    private final StringBuilder sb = new StringBuilder(1 << 16);
    private final ValueText.TimeText times = new ValueText.TimeText();

    public LineProtocolWriter(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(RecordBlock b) throws IOException {
        Schema schema = b.schema();
        String measurement = escapeMeasurement(schema.name());
        String[] keys = new String[schema.fieldCount()];
        for (int f = 0; f < keys.length; f++) {
            keys[f] = escapeKey(schema.field(f).name());
        }
        String[] sources = new String[b.sourceCount()];
        for (int s = 0; s < sources.length; s++) {
            sources[s] = escapeKey(b.sourceName(s));
        }
        String runTag = b.runId().isEmpty() ? "" : ",run_id=" + escapeKey(b.runId());
        for (int i = 0; i < b.size(); i++) {
            sb.append(measurement).append(",source=").append(sources[b.source[i]]).append(runTag)
                    .append(",type=").append(b.type[i] == RecordBlock.EVENT ? "event" : "update")
                    .append(" seq=").append(b.seq[i]).append("i,frame=").append(b.frame[i]).append('i');
            for (int f = 0; f < keys.length; f++) {
                FieldSpec spec = schema.field(f);
                sb.append(',').append(keys[f]).append('=');
                switch (spec.type()) {
                    case INT -> sb.append(b.values[f][i]).append('i');
                    case FLOAT -> ValueText.appendFixed(sb, b.values[f][i] * spec.precisionScaled(), spec.decimals());
                    case BOOL -> sb.append(b.values[f][i] != 0);
                    case TIME -> sb.append(b.values[f][i] * spec.resolutionNanos()).append('i');
                    case ENUM -> {
                        sb.append('"');
                        appendStringValue(sb, ValueText.unitText(spec, b.values[f][i]));
                        sb.append('"');
                    }
                    case STRING -> {
                        sb.append('"');
                        appendStringValue(sb, b.strings[f][i]);
                        sb.append('"');
                    }
                }
            }
            sb.append(' ').append(b.time[i]).append('\n');
            if (sb.length() > 60_000) {
                drain();
            }
        }
        drain();
    }

    private void drain() throws IOException {
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        sb.setLength(0);
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    public static String escapeMeasurement(String s) {
        return escape(s, false);
    }

    /** Tag keys, tag values and field keys. */
    public static String escapeKey(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean equalsToo) {
        StringBuilder r = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                c = ' ';
            }
            if (c == ',' || c == ' ' || (equalsToo && c == '=')) {
                r.append('\\');
            }
            r.append(c);
        }
        return r.toString();
    }

    static void appendStringValue(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else {
                sb.append(c);
            }
        }
    }
}
