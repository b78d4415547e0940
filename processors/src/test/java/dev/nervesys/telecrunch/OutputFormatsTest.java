package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.nervesys.telecrunch.codec.Compression;
import dev.nervesys.telecrunch.codec.NdjsonRecordReader;
import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputFormatsTest {

    private static final Schema S = SchemaLoader.parse("""
            name: engine1
            version: 1
            fields:
              - {name: rpm, type: float, min: -10, max: 8000, precision: 0.1}
              - {name: gear, type: int, min: 0, max: 6}
              - {name: "on", type: bool}
              - {name: state, type: enum, values: ["off", "run fast"]}
              - {name: at, type: time, resolution: ms}
              - {name: "msg=x", type: string, maxLength: 40}
            """);

    private static RecordBlock sample() {
        RecordBlock b = new RecordBlock(S, 2);
        b.runId("run 7");
        b.sourceIndex("eng 1,a=b");
        int r = b.append(RecordBlock.EVENT, 0, 42, 123, 1_765_368_000_123_456_789L);
        b.values[0][r] = -5;      // -0.5
        b.values[1][r] = 3;
        b.values[2][r] = 1;
        b.values[3][r] = 1;
        b.values[4][r] = 1_765_368_000_123L;
        b.strings[5][r] = "say \"hi\", \\ é\nok";
        return b;
    }

    private static String write(OutputFormat format, RecordBlock b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordWriter w = format.open(b.schema(), out);
        w.write(b);
        w.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ndjsonHasTheSharedRecordShape() throws IOException {
        String text = write(OutputFormat.NDJSON, sample());
        assertThat(text).endsWith("}\n").doesNotContain("\n\n");
        JsonNode r = new ObjectMapper().readTree(text);
        assertThat(r.get("run_id").asText()).isEqualTo("run 7");
        assertThat(r.get("source").asText()).isEqualTo("eng 1,a=b");
        assertThat(r.get("type").asText()).isEqualTo("event");
        assertThat(r.get("frame").asLong()).isEqualTo(123);
        assertThat(r.get("time").asText()).isEqualTo("2025-12-10T12:00:00.123456789Z");
        assertThat(r.get("seq").asLong()).isEqualTo(42);
        JsonNode f = r.get("fields");
        assertThat(f.get("rpm").decimalValue()).isEqualByComparingTo("-0.5");
        assertThat(f.get("gear").asLong()).isEqualTo(3);
        assertThat(f.get("on").asBoolean()).isTrue();
        assertThat(f.get("state").asText()).isEqualTo("run fast");
        assertThat(f.get("at").asText()).isEqualTo("2025-12-10T12:00:00.123Z");
        assertThat(f.get("msg=x").asText()).isEqualTo("say \"hi\", \\ é\nok");
    }

    @Test
    void ndjsonParsesBackToTheSameUnits() throws IOException {
        RecordBlock in = sample();
        RecordBlock back = new RecordBlock(S, 1);
        new NdjsonRecordReader(S).append(write(OutputFormat.NDJSON, in).trim(), 1, back);
        back.runId(in.runId());
        Blocks.assertSame(in, back);
    }

    @Test
    void ndjsonParseErrorsNameLineFieldAndValue() {
        NdjsonRecordReader reader = new NdjsonRecordReader(S);
        RecordBlock b = new RecordBlock(S, 4);
        String ok = "{\"source\":\"a\",\"type\":\"update\",\"frame\":1,\"time\":\"2025-12-10T12:00:00Z\",\"seq\":1,\"fields\":"
                + "{\"rpm\":1.5,\"gear\":2,\"on\":false,\"state\":\"off\",\"at\":\"2025-12-10T12:00:00Z\",\"msg=x\":\"\"}}";
        reader.append(ok, 1, b);
        assertThat(b.values[0][0]).isEqualTo(15);
        assertThatThrownBy(() -> reader.append(ok.replace("\"off\"", "\"idle\""), 7, b))
                .hasMessage("line 7, field 'state': value \"idle\" is not one of [off, run fast]");
        assertThatThrownBy(() -> reader.append(ok.replace("\"gear\":2", "\"gear\":2.5"), 8, b))
                .hasMessage("line 8, field 'gear': value 2.5 is not a 64-bit integer");
        assertThatThrownBy(() -> reader.append(ok.replace("\"type\":\"update\"", "\"type\":\"x\""), 9, b))
                .hasMessage("line 9, field 'type': 'x' is not update or event");
        assertThat(b.size()).isEqualTo(1);
    }

    @Test
    void lineProtocolEscapesNamesTagsAndStrings() throws IOException {
        String line = write(OutputFormat.LP, sample());
        assertThat(line).isEqualTo("engine1,source=eng\\ 1\\,a\\=b,run_id=run\\ 7,type=event seq=42i,frame=123i,"
                + "rpm=-0.5,gear=3i,on=true,state=\"run fast\",at=1765368000123000000i,msg\\=x=\"say \\\"hi\\\", \\\\ é\nok\""
                + " 1765368000123456789\n");
    }

    @Test
    void measurementEscapesCommaAndSpaceButNotEquals() {
        assertThat(dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeMeasurement("a b,c=d")).isEqualTo("a\\ b\\,c=d");
        assertThat(dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeTag("a b,c=d", "tag")).isEqualTo("a\\ b\\,c\\=d");
        // a backslash escapes only a special character: before one it is written escaped-literal plus the escape
        assertThat(dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeTag("a\\,b\\c", "tag")).isEqualTo("a\\\\,b\\c");
        // names line protocol cannot carry are refused, never written as lines that parse into something else
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeTag("bench\\", "run id"))
                .hasMessage("line protocol cannot carry run id 'bench\\': it ends in a backslash, which escapes the delimiter after it");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeFieldKey("a\nb"))
                .hasMessageContaining("line break");
    }

    @Test
    void csvQuotesFieldsThatNeedIt() throws IOException {
        String csv = write(OutputFormat.CSV, sample());
        CsvMapper m = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<List<String>> rows = m.readerForListOf(String.class).readValues(csv)) {
            List<List<String>> all = rows.readAll();
            assertThat(all.get(0)).containsExactly("run_id", "source", "type", "frame", "time", "seq", "rpm", "gear", "on",
                    "state", "at", "msg=x");
            assertThat(all.get(1)).containsExactly("run 7", "eng 1,a=b", "event", "123", "2025-12-10T12:00:00.123456789Z",
                    "42", "-0.5", "3", "true", "run fast", "2025-12-10T12:00:00.123Z", "say \"hi\", \\ é\nok");
        }
    }

    @Test
    void everyCompressionRoundTrips() throws IOException {
        byte[] text = write(OutputFormat.NDJSON, Blocks.random(Blocks.engine(), 500, 2, 5)).getBytes(StandardCharsets.UTF_8);
        for (Compression c : Compression.values()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (OutputStream out = c.wrap(buf)) {
                out.write(text);
            }
            if (c != Compression.NONE) {
                assertThat(buf.size()).as(c.name()).isLessThan(text.length / 2);
            }
            assertThat(c.wrap(new ByteArrayInputStream(buf.toByteArray())).readAllBytes()).as(c.name()).isEqualTo(text);
        }
        assertThatThrownBy(() -> Compression.of("brotli")).hasMessageContaining("unknown compression 'brotli'");
    }
}
