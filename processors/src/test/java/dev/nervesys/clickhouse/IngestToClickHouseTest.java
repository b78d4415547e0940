package dev.nervesys.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry times end to end: NDJSON over HTTP to the real ingest route, the SQLite buffer, the
 * shipper, the real ClickHouse 18.16 (a database of its own). An epoch-nanosecond time and the same
 * instant in RFC 3339 land as the same DateTime + time_ns; impossible dates are refused at the door
 * with their line number instead of being stored shifted (2025-02-31 was stored as 2025-03-03).
 */
class IngestToClickHouseTest {

    @TempDir
    Path dir;

    static String record(long frame, String time) {
        return "{\"run_id\":\"t1\",\"source\":\"engine\",\"type\":\"update\",\"frame\":" + frame + ",\"time\":" + time
                + ",\"fields\":{\"rpm\":" + (1000 + frame) + "}}";
    }

    @Test
    void epochNanosecondsAndRfc3339LandAsTheSameDateTime() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            TestSettings s = new TestSettings(dir);
            int port = Integer.parseInt(s.properties().get("nervesys.ingest.port"));
            try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml");
                    DeadLetters dead = new DeadLetters(dir.resolve("dead.db"))) {
                ClickHouseSettings cfg = new ClickHouseSettings(ClickHouseTestDb.URL, db.name, null, null, 1000,
                        Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofMillis(200),
                        dir.resolve("dead.db"), Duration.ofMinutes(15));
                ClickHouseShipper shipper = new ClickHouseShipper(agent.buffer(), cfg,
                        new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, cfg.timeout()), dead, 16L << 20,
                        java.time.Clock.systemUTC());

                String body = String.join("\n",
                        record(1, "\"2025-12-10T12:00:00.123456789Z\""),
                        record(2, "1765368000123456789"), // the same instant as frame 1
                        record(3, "1765368001000000000"),
                        record(4, "\"2025-02-31T00:00:00Z\""), // refused: line 4
                        record(5, "-5"), // refused: line 5
                        record(6, "1.765368E18"), // refused: line 6
                        record(7, "\"2016-12-31T23:59:60.5Z\""), // a leap second: 23:59:59.5
                        record(8, "\"2024-02-29T23:30:00-01:00\""), // 2024-03-01 00:30 UTC
                        record(9, "1709253000000000001")) + "\n"; // the same as frame 8, plus 1 ns
                // sent as curl sends it by default
                HttpResponse<String> r = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                JsonNode j = new ObjectMapper().readTree(r.body());
                assertThat(j.get("accepted").asInt()).isEqualTo(6);
                assertThat(j.get("rejected").asInt()).isEqualTo(3);
                assertThat(j.get("lines").findValuesAsText("line")).containsExactly("4", "5", "6");
                assertThat(j.get("lines").get(0).get("reason").asText()).endsWith("2025-02-31 does not exist (February 2025 has 28 days)");
                assertThat(j.get("lines").get(1).get("reason").asText()).startsWith("\"time\" -5 is negative");
                assertThat(j.get("lines").get(2).get("reason").asText()).startsWith("\"time\" 1.765368E18 is not an integer");

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    shipper.tick();
                    return shipper.pendingRows() == 0 && shipper.consecutiveFailures() == 0;
                });
                assertThat(shipper.deadLetterCount()).isZero();
                String events = db.query("SELECT frame, toString(time, 'UTC'), toUnixTimestamp(time), time_ns"
                        + " FROM {db}.events ORDER BY frame FORMAT TSV");
                assertThat(events).isEqualTo(String.join("\n",
                        "1\t2025-12-10 12:00:00\t1765368000\t123456789",
                        "2\t2025-12-10 12:00:00\t1765368000\t123456789",
                        "3\t2025-12-10 12:00:01\t1765368001\t0",
                        "7\t2016-12-31 23:59:59\t1483228799\t500000000",
                        "8\t2024-03-01 00:30:00\t1709253000\t0",
                        "9\t2024-03-01 00:30:00\t1709253000\t1") + "\n");
                assertThat(db.query("SELECT frame, toUnixTimestamp(time), time_ns, value FROM {db}.series"
                        + " WHERE series = 'engine.rpm' ORDER BY frame FORMAT TSV")).isEqualTo(String.join("\n",
                        "1\t1765368000\t123456789\t1001",
                        "2\t1765368000\t123456789\t1002",
                        "3\t1765368001\t0\t1003",
                        "7\t1483228799\t500000000\t1007",
                        "8\t1709253000\t0\t1008",
                        "9\t1709253000\t1\t1009") + "\n");
            }
        }
    }
}
