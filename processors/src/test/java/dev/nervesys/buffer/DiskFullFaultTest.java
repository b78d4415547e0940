package dev.nervesys.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of bench/validation/fault-diskfull.py: the file system of the buffer fills up
 * under ingest, then space comes back. SQLite answers SQLITE_FULL for a full disk and for
 * {@code PRAGMA max_page_count}, and rolls the transaction back itself in both cases, so the page
 * limit stands in for a small file system here (the script uses a real 64 MB tmpfs).
 * Found by the script: after the first SQLITE_FULL every later write failed (500) until a restart,
 * even with space back.
 */
class DiskFullFaultTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    static String batch(int b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // random-looking fields so that zstd cannot make the chunks small
            sb.append("{\"run_id\":\"d\",\"source\":\"s\",\"type\":\"update\",\"frame\":").append(b * n + i)
                    .append(",\"time\":\"2025-12-10T12:00:00Z\",\"seq\":").append(b * n + i)
                    .append(",\"fields\":{\"x\":\"").append(Long.toHexString(new java.util.Random(b * 100_000L + i).nextLong()))
                    .append(Long.toHexString(new java.util.Random(i * 7L + b).nextLong())).append("\"}}\n");
        }
        return sb.toString();
    }

    static HttpResponse<String> post(int port, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFullDiskIsRefusedWith503AndIngestRecoversWhenSpaceIsBack() throws Exception {
        int port = DataPathHarness.freePort();
        List<Integer> acknowledged = new ArrayList<>();
        int batches = 0;
        int refused = 0;
        String refusal = null;
        String retryAfter = null;
        try (DataPathHarness agent = new DataPathHarness(new TestSettings(dir).set("nervesys.ingest.port", port)
                .set("nervesys.buffer.retryAfter", "3s"), "ingest.camel.yaml")) {
            RecordBuffer buffer = agent.buffer();
            buffer.registerConsumer("test");
            assertThat(post(port, batch(batches, 200)).statusCode()).isEqualTo(204);
            acknowledged.add(batches++);
            // the "disk" holds a few more pages only
            long pages = buffer.pragmaForTests("page_count");
            buffer.pragmaForTests("max_page_count = " + (pages + 40));
            for (int i = 0; i < 40 && refused < 5; i++, batches++) {
                HttpResponse<String> r = post(port, batch(batches, 200));
                if (r.statusCode() == 204) {
                    acknowledged.add(batches);
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    refused++;
                    refusal = JSON.readTree(r.body()).get("error").asText();
                    retryAfter = r.headers().firstValue("Retry-After").orElse(null);
                }
            }
            assertThat(refused).as("batches refused while the disk is full").isEqualTo(5);
            assertThat(refusal).startsWith("disk full: no space left on the file system of the buffer");
            assertThat(retryAfter).isEqualTo("3");

            // space is back: ingest works again without a restart
            buffer.pragmaForTests("max_page_count = 1073741823");
            for (int i = 0; i < 5; i++, batches++) {
                HttpResponse<String> r = post(port, batch(batches, 200));
                assertThat(r.statusCode()).as("after space is back: " + r.body()).isEqualTo(204);
                acknowledged.add(batches);
            }
            // the consumer can move and rows can be deleted again
            List<BufferedRecord> rows = buffer.read(buffer.position("test"), 1_000_000);
            assertThat(rows).hasSize(acknowledged.size() * 200);
            assertThat(rows.get(rows.size() - 1).id() - rows.get(0).id() + 1).as("ids contiguous").isEqualTo(rows.size());
            List<Integer> present = new ArrayList<>();
            for (int k = 0; k < rows.size(); k += 200) {
                String t = rows.get(k).bodyText();
                int seq = Integer.parseInt(t.substring(t.indexOf("\"seq\":") + 6, t.indexOf(",\"fields\"")));
                present.add(seq / 200);
            }
            assertThat(present).as("every acknowledged batch, once, in order").containsExactlyElementsOf(acknowledged);
            buffer.acknowledge("test", rows.get(rows.size() / 2).id(), null);
            assertThat(buffer.pendingRows("test")).isEqualTo(rows.size() - rows.size() / 2 - 1);
        }
        // the file is intact and opens again with the same records
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("buffer/buffer.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
        try (RecordBuffer again = RecordBuffer.open(dir.resolve("buffer/buffer.db"), 100L << 20, WhenFull.REJECT, 5)) {
            assertThat(again.rows()).as("the archive consumer holds them all").isEqualTo(acknowledged.size() * 200L);
            assertThat(again.pendingRows("test")).isEqualTo(acknowledged.size() * 100L - 1);
        }
    }
}
