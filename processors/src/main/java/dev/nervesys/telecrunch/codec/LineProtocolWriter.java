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
 * <p>Escaping follows the InfluxDB reference, checked against a real influxd 1.6.7
 * (LineProtocolInfluxdTest): measurement escapes comma and space; tag keys and values comma, equals
 * sign and space; field keys those and the double quote; string field values double quote and
 * backslash, line breaks stay as they are inside the quotes. A name with a line break or ending in a
 * backslash cannot be written and is refused ({@link #escape}); schemas refuse such field names when
 * loaded, generate refuses such a run id for this format (docs/telecrunch.md).
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
            keys[f] = escapeFieldKey(schema.field(f).name());
        }
        String[] sources = new String[b.sourceCount()];
        for (int s = 0; s < sources.length; s++) {
            sources[s] = escapeTag(b.sourceName(s), "source");
        }
        String runTag = b.runId().isEmpty() ? "" : ",run_id=" + escapeTag(b.runId(), "run id");
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

    /**
     * The measurement: comma and space escaped. influxd 1.x unescapes measurement names twice, so a
     * backslash right before a comma, space, equals sign or double quote reads back differently
     * there than by the reference: such a name is refused (schema names never hold one).
     */
    public static String escapeMeasurement(String s) {
        check(s, "measurement");
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i - 1) == '\\' && ", =\"".indexOf(s.charAt(i)) >= 0) {
                throw refused(s, "measurement", "a backslash before '" + s.charAt(i) + "' reads back differently in InfluxDB 1.x");
            }
        }
        return escape(s, ", ");
    }

    /**
     * Tag keys and tag values: comma, equals sign and space escaped; a backslash is itself, also
     * right before one of those ({@code a\,b} is written {@code a\\\,b}: the reader drops one
     * backslash before an escaped character).
     */
    public static String escapeTag(String s, String what) {
        check(s, what);
        return escape(s, ",= ");
    }

    /**
     * Field keys: comma, equals sign, space and double quote escaped. InfluxDB reads a backslash in a
     * field key as escaping whatever follows, so an odd number of backslashes right before a comma,
     * equals sign or space cannot be written: refused.
     */
    public static String escapeFieldKey(String s) {
        String problem = dev.nervesys.telecrunch.schema.FieldNames.lineProtocolProblem(s);
        if (problem != null) {
            throw refused(s, "field key", problem);
        }
        return escape(s, ",= \"");
    }

    /** What no name can carry: a line break (it ends the line), a trailing backslash (it escapes the delimiter after it). */
    private static void check(String s, String what) {
        if (s.indexOf('\n') >= 0) {
            throw refused(s, what, "it holds a line break");
        }
        if (s.endsWith("\\")) {
            throw refused(s, what, "it ends in a backslash, which escapes the delimiter after it");
        }
    }

    private static IllegalArgumentException refused(String s, String what, String why) {
        return new IllegalArgumentException("line protocol cannot carry " + what + " '" + dev.nervesys.spi.RequestTarget.printable(s)
                + "': " + why);
    }

    private static String escape(String s, String special) {
        StringBuilder r = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (special.indexOf(c) >= 0) {
                r.append('\\');
            }
            r.append(c);
        }
        return r.toString();
    }

    /** String field values: double quote and backslash escaped; a line break goes as it is (it is inside quotes). */
    static void appendStringValue(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
    }
}
