package dev.nervesys.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.FileWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of an agent process in the middle of ingest: every acknowledged record is in the buffer. */
class KillNineTest {

    @TempDir
    Path dir;

    @Test
    void nothingAcknowledgedIsLostWhenTheAgentIsKilledDuringIngest() throws Exception {
        int port = freePort();
        Properties p = new Properties();
        p.setProperty("dataDir", dir.toString());
        p.setProperty("routes", "ingest.camel.yaml");
        p.setProperty("nervesys.ingest.port", Integer.toString(port));
        p.setProperty("nervesys.ingest.host", "127.0.0.1");
        Path props = dir.resolve("child.properties");
        try (Writer w = new FileWriter(props.toFile(), StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        Process child = DataPathChild.start(props);
        List<Integer> acknowledged = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread sender = new Thread(() -> {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int batch = 0; !stop.get(); batch++) {
                StringBuilder lp = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    lp.append("k,b=").append(batch).append(" i=").append(i).append("i\n");
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/write?db=k"))
                            .POST(HttpRequest.BodyPublishers.ofString(lp.toString())).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 204) {
                        synchronized (acknowledged) {
                            acknowledged.add(batch);
                        }
                    }
                } catch (Exception e) {
                    return; // the agent is gone
                }
            }
        });
        sender.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            synchronized (acknowledged) {
                return acknowledged.size() >= 40;
            }
        });
        child.destroyForcibly(); // SIGKILL while the sender is mid-stream
        child.waitFor();
        stop.set(true);
        sender.join();

        try (RecordBuffer b = RecordBuffer.open(dir.resolve("buffer/buffer.db"), 100L << 20, WhenFull.REJECT, 5)) {
            List<BufferedRecord> rows = b.read(0, 1_000_000);
            Set<Integer> batchesPresent = new HashSet<>();
            java.util.Map<Integer, Integer> perBatch = new java.util.HashMap<>();
            for (BufferedRecord r : rows) {
                String t = r.bodyText();
                int batch = Integer.parseInt(t.substring(t.indexOf("\"b\":\"") + 5, t.indexOf("\"}")));
                batchesPresent.add(batch);
                perBatch.merge(batch, 1, Integer::sum);
            }
            synchronized (acknowledged) {
                assertThat(batchesPresent).containsAll(acknowledged);
                // at most the one in-flight batch beyond the acknowledged ones, and never half a batch
                assertThat(batchesPresent.size()).isBetween(acknowledged.size(), acknowledged.size() + 1);
            }
            assertThat(perBatch.values()).allMatch(n -> n == 200);
        }
    }

    static int freePort() throws Exception {
        return DataPathHarness.freePort();
    }
}
