package dev.nervesys.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limiting (429) and a full buffer under the reject policy (503), over real HTTP. */
class IngestLimitsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void rateLimitPerTokenAnswers429WithRetryAfter() throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.ingest.tokens", "alpha,beta").set("nervesys.ingest.rateLimit", 5);
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml"); RawHttp c = new RawHttp(port)) {
            byte[] twenty = ("m v=1\n").repeat(20).getBytes(StandardCharsets.UTF_8);
            assertThat(c.post("/write?db=d", Map.of("Authorization", "Token alpha"), twenty).status()).isEqualTo(204);
            RawHttp.Response limited = c.post("/write?db=d", Map.of("Authorization", "Token alpha"), twenty);
            assertThat(limited.status()).isEqualTo(429);
            // 20 records against 5/s from a full bucket of 5: 15 in debt, so 3 to 4 seconds to wait
            assertThat(Long.parseLong(limited.headers().get("retry-after"))).isBetween(3L, 4L);
            assertThat(JSON.readTree(limited.body()).get("error").asText()).contains("nervesys.ingest.rateLimit");
            // another token has its own bucket
            assertThat(c.post("/write?db=d", Map.of("Authorization", "Token beta"), twenty).status()).isEqualTo(204);
            assertThat(agent.buffer().rows()).isEqualTo(40);
        }
    }

    @Test
    void fullBufferUnderRejectAnswers503AndKeepsEverythingAccepted() throws Exception {
        int port = DataPathHarness.freePort();
        long cap = 1 << 20;
        TestSettings s = new TestSettings(dir).set("nervesys.ingest.port", port).set("nervesys.ingest.host", "127.0.0.1")
                .set("nervesys.buffer.maxBytes", cap).set("nervesys.buffer.whenFull", "reject")
                .set("nervesys.buffer.retryAfter", "30s");
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml"); RawHttp c = new RawHttp(port)) {
            agent.buffer().registerConsumer("check");
            int accepted = 0;
            RawHttp.Response r = null;
            for (int batch = 0; batch < 500; batch++) {
                StringBuilder lp = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    // letters at random: the buffer compresses, and this must fill it all the same
                    java.util.Random noise = new java.util.Random(accepted + i);
                    lp.append("fill,batch=").append(batch).append(" n=").append(accepted + i).append("i,pad=\"");
                    for (int k = 0; k < 100; k++) {
                        lp.append((char) ('a' + noise.nextInt(26)));
                    }
                    lp.append("\"\n");
                }
                r = c.post("/write?db=d", Map.of(), lp.toString().getBytes(StandardCharsets.UTF_8));
                assertThat(agent.buffer().bytesOnDisk()).isLessThanOrEqualTo(cap);
                if (r.status() != 204) {
                    break;
                }
                accepted += 100;
            }
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.headers().get("retry-after")).isEqualTo("30");
            assertThat(JSON.readTree(r.body()).get("error").asText()).contains("buffer full");
            assertThat(accepted).isPositive();
            var rows = agent.buffer().read(0, accepted + 1000);
            assertThat(rows).hasSize(accepted);
            for (int i = 0; i < accepted; i++) {
                assertThat(JSON.readTree(rows.get(i).body()).get("fields").get("n").asLong()).isEqualTo(i);
            }
        }
    }
}
