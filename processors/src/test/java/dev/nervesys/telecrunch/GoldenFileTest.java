package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.telecrunch.codec.NdjsonWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.TcbReader;
import dev.nervesys.telecrunch.pack.TcbWriter;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The checked-in golden.tcb pins the format: if encoding the same records gives other bytes, the
 * format changed. Make that deliberate: bump TcbFormat.VERSION, update docs/formats.md, then
 * regenerate with -Dtelecrunch.golden.update=true.
 */
class GoldenFileTest {

    private static final Path DIR = Path.of("src/test/resources/telecrunch");

    @Test
    void encodingMatchesTheGoldenFileAndDecodingMatchesItsNdjson() throws IOException {
        Schema schema = SchemaLoader.load(DIR.resolve("golden-schema.yaml"));
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        try (TcbWriter w = new TcbWriter(bin, schema, "golden-run")) {
            w.write(Blocks.random(schema, 300, 3, 42));
            w.write(Blocks.random(schema, 50, 1, 43));
        }
        if (Boolean.getBoolean("telecrunch.golden.update")) {
            Files.write(DIR.resolve("golden.tcb"), bin.toByteArray());
            Files.writeString(DIR.resolve("golden.ndjson"), ndjson(bin.toByteArray()));
        }
        byte[] golden = Files.readAllBytes(DIR.resolve("golden.tcb"));
        assertThat(bin.toByteArray()).as("packed bytes equal golden.tcb").isEqualTo(golden);
        assertThat(ndjson(golden)).isEqualTo(Files.readString(DIR.resolve("golden.ndjson")));
    }

    private static String ndjson(byte[] tcb) throws IOException {
        TcbReader r = new TcbReader("golden", tcb, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NdjsonWriter w = new NdjsonWriter(out);
        for (RecordBlock b; (b = r.next()) != null; ) {
            w.write(b);
        }
        w.flush();
        assertThat(r.problems()).isEmpty();
        return out.toString(StandardCharsets.UTF_8);
    }
}
