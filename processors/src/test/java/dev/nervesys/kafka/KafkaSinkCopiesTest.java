package dev.nervesys.kafka;

import dev.nervesys.clickhouse.ClickHouseTestDb;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher's copies that land in the poll right after their first copy: the sink checks a poll
 * while ClickHouse still takes the poll before it, so those copies are not in ClickHouse when the
 * check looks; they must be dropped all the same (real broker, real ClickHouse, a database of its own).
 */
class KafkaSinkCopiesTest {

    @TempDir
    Path dir;
    ClickHouseTestDb clickhouse;
    String db;
    ClickHouseClient ch;

    @BeforeEach
    void database() throws Exception {
        clickhouse = new ClickHouseTestDb();
        db = clickhouse.name;
        ch = clickhouse.admin;
    }

    @AfterEach
    void drop() throws Exception {
        clickhouse.close();
    }

    private long count(String sql) throws Exception {
        return clickhouse.count(sql);
    }

    @Test
    void copiesInTheNextPollAreDroppedThoughItsCheckRanBesideThePollBefore() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 1);
            TestSettings fill = KafkaNode.settings(dir.resolve("fill"), broker);
            List<BufferedRecord> records;
            try (KafkaNode filler = new KafkaNode(fill)) {
                KafkaNode.telemetry(filler.buffer(), 0, 3000, "copies-run");
                records = filler.buffer().read(0, 3000);
            }
            // one partition, polls of 100: each block of 100 ids followed by copies of its second half, so a poll
            // holds copies of records of the poll before it (in ClickHouse's hands while this one is checked)
            List<BufferedRecord> stream = new ArrayList<>();
            int copies = 0;
            for (int i = 0; i < records.size(); i += 100) {
                stream.addAll(records.subList(i, i + 100));
                stream.addAll(records.subList(i + 50, i + 100));
                copies += 50;
            }
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(new KafkaClients(KafkaSettings.from(fill)).producerProperties(),
                    new StringSerializer(), new ByteArraySerializer())) {
                List<Future<?>> acks = new ArrayList<>();
                for (BufferedRecord r : stream) {
                    ProducerRecord<String, byte[]> pr = new ProducerRecord<>("nervesys-telemetry", "bench/copies-run", r.body());
                    pr.headers().add(KafkaPublisher.H_AGENT, "bench".getBytes(StandardCharsets.UTF_8))
                            .add(KafkaPublisher.H_ID, Long.toString(r.id()).getBytes(StandardCharsets.UTF_8))
                            .add(KafkaPublisher.H_KIND, "telemetry".getBytes(StandardCharsets.UTF_8))
                            .add(KafkaPublisher.H_RECEIVED, Long.toString(r.receivedAt()).getBytes(StandardCharsets.UTF_8));
                    acks.add(p.send(pr));
                }
                p.flush();
                for (Future<?> f : acks) {
                    f.get();
                }
            }
            TestSettings s = KafkaNode.settings(dir.resolve("sink"), broker).set("nervesys.clickhouse.url", KafkaSinkTest.CLICKHOUSE)
                    .set("nervesys.clickhouse.database", db).set("nervesys.kafka.sink.maxPollRecords", "100")
                    .set("nervesys.kafka.sink.pollTimeout", "200ms");
            int copiesSent = copies;
            try (KafkaNode sink = new KafkaNode(s, "kafka-sink.camel.yaml")) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> sink.sink().insertedRecords() >= 3000 && sink.sink().duplicatesSkipped() >= copiesSent);
                Thread.sleep(1000); // a late duplicate would land now
                assertThat(count("SELECT count() FROM {db}.events")).isEqualTo(3000);
                assertThat(count("SELECT count() FROM (SELECT DISTINCT run_id, buffer_id FROM {db}.events)")).isEqualTo(3000);
                assertThat(count("SELECT count() FROM {db}.series")).isEqualTo(6000);
                assertThat(sink.sink().insertedRecords()).isEqualTo(3000);
                assertThat(sink.sink().duplicatesSkipped()).isEqualTo(copies);
                assertThat(sink.sink().copiesOfPollBefore.get()).as("copies found in the poll in ClickHouse's hands, not by a check")
                        .isPositive();
            }
        }
    }
}
