package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineProtocolParserTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final long NOW = 1_765_368_000_000_000_000L;

    static ParsedBatch parse(String body, Precision p) {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, p, NOW, "", batch);
        return batch;
    }

    static JsonNode one(String line) throws Exception {
        ParsedBatch batch = parse(line, Precision.NANOSECONDS);
        assertThat(batch.errors()).isEmpty();
        assertThat(batch.bodies()).hasSize(1);
        assertThat(batch.kinds()).containsExactly(RecordKind.POINT);
        return JSON.readTree(batch.bodies().get(0));
    }

    static String error(String line) {
        ParsedBatch batch = parse(line, Precision.NANOSECONDS);
        assertThat(batch.bodies()).isEmpty();
        assertThat(batch.errors()).hasSize(1);
        return batch.errors().get(0).reason();
    }

    @Test
    void nonAsciiTextIsKeptAndInvalidUtf8IsARejectedLine() throws Exception {
        JsonNode r = one("temp\u00e9,site=\u65e5\u672c s=\"ok \ud83d\ude80\",v=1i 5");
        assertThat(r.get("measurement").asText()).isEqualTo("temp\u00e9");
        assertThat(r.get("tags").get("site").asText()).isEqualTo("\u65e5\u672c");
        assertThat(r.get("fields").get("s").asText()).isEqualTo("ok \ud83d\ude80");

        byte[][] bad = {
            {(byte) 0xC3, 0x28}, // a lead byte without its continuation
            {(byte) 0x80}, // a lone continuation byte
            {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
        };
        for (byte[] seq : bad) {
            for (String where : new String[] {"measurement", "tag", "string"}) {
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                body.writeBytes("ok v=1i 1\n".getBytes(StandardCharsets.UTF_8));
                switch (where) {
                    case "measurement" -> {
                        body.writeBytes("m".getBytes(StandardCharsets.UTF_8));
                        body.writeBytes(seq);
                        body.writeBytes(" v=1i 2\n".getBytes(StandardCharsets.UTF_8));
                    }
                    case "tag" -> {
                        body.writeBytes("m,t=".getBytes(StandardCharsets.UTF_8));
                        body.writeBytes(seq);
                        body.writeBytes(" v=1i 2\n".getBytes(StandardCharsets.UTF_8));
                    }
                    default -> {
                        body.writeBytes("m s=\"".getBytes(StandardCharsets.UTF_8));
                        body.writeBytes(seq);
                        body.writeBytes("\" 2\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
                body.writeBytes("ok v=3i 3\n".getBytes(StandardCharsets.UTF_8));
                byte[] b = body.toByteArray();
                ParsedBatch batch = new ParsedBatch();
                new LineProtocolParser().parse(b, b.length, Precision.NANOSECONDS, NOW, "", batch);
                assertThat(batch.accepted()).as(where).isEqualTo(2);
                assertThat(batch.errors()).as(where).hasSize(1);
                assertThat(batch.errors().get(0).line()).isEqualTo(2);
                assertThat(batch.errors().get(0).reason()).startsWith("invalid UTF-8 at byte ");
                for (byte[] stored : batch.bodies()) {
                    JSON.readTree(stored); // every stored record is valid JSON
                    assertThat(new String(stored, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)).isEqualTo(stored);
                }
            }
        }
    }

    @Test
    void everyFieldTypeAndTheTimestamp() throws Exception {
        JsonNode p = one("cpu,host=a,region=eu usage=1.5,count=3i,big=18446744073709551615u,ok=t,no=FALSE,"
                + "msg=\"hi \\\"there\\\" back\\\\slash\",whole=2 1700000000000000001");
        assertThat(p.get("measurement").asText()).isEqualTo("cpu");
        assertThat(p.get("tags").get("host").asText()).isEqualTo("a");
        assertThat(p.get("tags").get("region").asText()).isEqualTo("eu");
        JsonNode f = p.get("fields");
        assertThat(f.get("usage").isDouble()).isTrue();
        assertThat(f.get("usage").asDouble()).isEqualTo(1.5);
        assertThat(f.get("count").isIntegralNumber()).isTrue();
        assertThat(f.get("count").asLong()).isEqualTo(3);
        assertThat(f.get("big").bigIntegerValue().toString()).isEqualTo("18446744073709551615");
        assertThat(f.get("ok").asBoolean()).isTrue();
        assertThat(f.get("no").isBoolean()).isTrue();
        assertThat(f.get("no").asBoolean()).isFalse();
        assertThat(f.get("msg").asText()).isEqualTo("hi \"there\" back\\slash");
        assertThat(f.get("whole").isDouble()).as("a float without a point stays a float").isTrue();
        assertThat(p.get("time").asLong()).isEqualTo(1700000000000000001L);
    }

    @Test
    void escapingOfNamesKeysAndValues() throws Exception {
        JsonNode p = one("my\\,meas\\ x,tag\\ key\\=1=va\\,l\\=u\\ e field\\ k\\=\\,=1i");
        assertThat(p.get("measurement").asText()).isEqualTo("my,meas x");
        assertThat(p.get("tags").get("tag key=1").asText()).isEqualTo("va,l=u e");
        assertThat(p.get("fields").get("field k=,").asLong()).isEqualTo(1);
        // a backslash before anything else is literal; '=' needs no escape in a measurement
        JsonNode q = one("a=b\\c,t=x\\y v=\"C:\\\\dir\\n\"");
        assertThat(q.get("measurement").asText()).isEqualTo("a=b\\c");
        assertThat(q.get("tags").get("t").asText()).isEqualTo("x\\y");
        assertThat(q.get("fields").get("v").asText()).isEqualTo("C:\\dir\\n");
        // but "\=" in a measurement is unescaped as InfluxDB does (influxdb-java sends it)
        assertThat(one("e\\=mc2\\,x v=1i").get("measurement").asText()).isEqualTo("e=mc2,x");
    }

    @Test
    void allBooleanSpellings() throws Exception {
        JsonNode f = one("b a=t,b=T,c=true,d=True,e=TRUE,g=f,h=F,i=false,j=False,k=FALSE").get("fields");
        for (String k : List.of("a", "b", "c", "d", "e")) {
            assertThat(f.get(k).asBoolean()).as(k).isTrue();
        }
        for (String k : List.of("g", "h", "i", "j", "k")) {
            assertThat(f.get(k).isBoolean()).as(k).isTrue();
            assertThat(f.get(k).asBoolean()).as(k).isFalse();
        }
        assertThat(error("b a=tRUE")).contains("invalid field value 'tRUE'");
    }

    @Test
    void precisionAndMissingTimestamp() throws Exception {
        ParsedBatch b = parse("m v=1 1700000000\nm v=2\n", Precision.SECONDS);
        assertThat(JSON.readTree(b.bodies().get(0)).get("time").asLong()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(JSON.readTree(b.bodies().get(1)).get("time").asLong()).isEqualTo(NOW);
        ParsedBatch ms = parse("m v=1 -1500", Precision.MILLISECONDS);
        assertThat(JSON.readTree(ms.bodies().get(0)).get("time").asLong()).isEqualTo(-1_500_000_000L);
        assertThat(parse("m v=1 9223372036854775807", Precision.SECONDS).errors().get(0).reason())
                .isEqualTo("timestamp out of range");
    }

    @Test
    void integerRanges() throws Exception {
        assertThat(one("m v=-9223372036854775808i").get("fields").get("v").asLong()).isEqualTo(Long.MIN_VALUE);
        assertThat(one("m v=9223372036854775807i").get("fields").get("v").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(error("m v=9223372036854775808i")).contains("out of range");
        assertThat(error("m v=18446744073709551616u")).contains("out of range");
        assertThat(error("m v=-1u")).contains("invalid unsigned");
        assertThat(error("m v=1.5i")).contains("invalid integer");
    }

    @Test
    void invalidLinesSayWhy() {
        assertThat(error("cpu")).isEqualTo("missing fields");
        assertThat(error("cpu ")).isEqualTo("missing fields");
        assertThat(error("cpu,host=a")).isEqualTo("missing fields");
        assertThat(error("cpu,host v=1")).isEqualTo("missing tag value");
        assertThat(error("cpu,host= v=1")).isEqualTo("missing tag value");
        assertThat(error("cpu,=a v=1")).isEqualTo("missing tag key");
        assertThat(error("cpu v")).isEqualTo("missing field value");
        assertThat(error("cpu v=")).isEqualTo("missing field value");
        assertThat(error("cpu =1")).isEqualTo("missing field key");
        assertThat(error("cpu v=NaN")).contains("invalid field value");
        assertThat(error("cpu v=Infinity")).contains("invalid field value");
        assertThat(error("cpu v=1d")).contains("invalid field value");
        assertThat(error("cpu v=1e999")).contains("out of range");
        assertThat(error("cpu v=\"open")).isEqualTo("unterminated string field value");
        assertThat(error("cpu v=1 12x")).contains("invalid timestamp");
        assertThat(error("cpu v=1 1 2")).contains("unexpected text after the timestamp");
        assertThat(error(",t=a v=1")).isEqualTo("missing measurement");
    }

    @Test
    void partialBatchKeepsValidLinesAndNumbersTheBadOnes() throws Exception {
        String body = "# a comment\r\n"
                + "cpu v=1 1\r\n"
                + "\n"
                + "cpu v=oops 2\n"
                + "   \n"
                + "mem,host=b free=5i 3\n"
                + "log msg=\"two\nlines\" 4\n"
                + "bad line here\n"
                + "disk used=0.5";
        ParsedBatch b = parse(body, Precision.NANOSECONDS);
        assertThat(b.accepted()).isEqualTo(4);
        assertThat(b.errors()).extracting(LineError::line).containsExactly(4, 9);
        assertThat(b.errors().get(0).reason()).contains("invalid field value 'oops'");
        assertThat(JSON.readTree(b.bodies().get(2)).get("fields").get("msg").asText()).isEqualTo("two\nlines");
        assertThat(JSON.readTree(b.bodies().get(3)).get("measurement").asText()).isEqualTo("disk");
        assertThat(JSON.readTree(b.bodies().get(1)).get("fields").get("free").asLong()).isEqualTo(5);
    }

    @Test
    void extraMembersAreAppended() throws Exception {
        ParsedBatch batch = new ParsedBatch();
        byte[] b = "m v=1 5".getBytes(StandardCharsets.UTF_8);
        new LineProtocolParser().parse(b, b.length, Precision.NANOSECONDS, NOW, ",\"db\":\"telegraf\"", batch);
        assertThat(new String(batch.bodies().get(0), StandardCharsets.UTF_8))
                .isEqualTo("{\"measurement\":\"m\",\"tags\":{},\"fields\":{\"v\":1.0},\"time\":5,\"db\":\"telegraf\"}");
    }

    @Test
    void unicodeAndControlCharactersAreValidJson() throws Exception {
        JsonNode p = one("température,lieu=salle\\ été v=\"ünïcode\ttab\"");
        assertThat(p.get("measurement").asText()).isEqualTo("température");
        assertThat(p.get("tags").get("lieu").asText()).isEqualTo("salle été");
        assertThat(p.get("fields").get("v").asText()).isEqualTo("ünïcode\ttab");
    }
}
