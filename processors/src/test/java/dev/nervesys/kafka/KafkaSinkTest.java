package dev.nervesys.kafka;

import dev.nervesys.clickhouse.ClickHouseTestDb;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.TestSettings;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.testing.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent -> Kafka -> sink -> ClickHouse with the real routes, a real KRaft broker and the real
 * ClickHouse 18.16 (a database of its own): every record lands once, also when a sink stops between
 * its insert and its offset commit, and when one of two sinks of a group leaves and its partitions
 * move to the other.
 */
class KafkaSinkTest {

    static final String CLICKHOUSE = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    static final String[] RUNS = {"r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11", "r12"};

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
        KafkaSink.CRASH_AFTER_INSERT_FOR_TEST.set(0);
        clickhouse.close();
    }

    private TestSettings sinkSettings(String name, KafkaBroker broker) {
        return KafkaNode.settings(dir.resolve(name), broker)
                .set("nervesys.clickhouse.url", CLICKHOUSE)
                .set("nervesys.clickhouse.database", db)
                .set("nervesys.kafka.sink.maxPollRecords", "700")
                .set("nervesys.kafka.sink.pollTimeout", "200ms")
                .set("nervesys.kafka.sink.lagEvery", "500ms");
    }

    private long count(String sql) throws Exception {
        return clickhouse.count(sql);
    }

    private void assertEveryRecordOnce(long n) throws Exception {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> count("SELECT count() FROM {db}.events") >= n);
        Thread.sleep(1000); // a late duplicate would land now
        assertThat(count("SELECT count() FROM {db}.events")).isEqualTo(n);
        assertThat(count("SELECT count() FROM (SELECT DISTINCT run_id, buffer_id FROM {db}.events)")).isEqualTo(n);
        assertThat(count("SELECT count() FROM {db}.series")).as("two values per record").isEqualTo(2 * n);
        assertThat(count("SELECT count() FROM (SELECT DISTINCT run_id, series, buffer_id FROM {db}.series)")).isEqualTo(2 * n);
    }

    @Test
    void recordsReachClickHouseOnceAlsoAfterAStopBetweenInsertAndCommit() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 4);
            KafkaSink.CRASH_AFTER_INSERT_FOR_TEST.set(2);
            try (KafkaNode agent = new KafkaNode(KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true"),
                    "kafka.camel.yaml");
                    KafkaNode sink = new KafkaNode(sinkSettings("sink", broker), "kafka-sink.camel.yaml")) {
                KafkaNode.telemetry(agent.buffer(), 0, 3000, RUNS);
                assertEveryRecordOnce(3000);
                assertThat(KafkaSink.CRASH_AFTER_INSERT_FOR_TEST.get()).as("both stops happened").isZero();
                assertThat(sink.sink().duplicatesSkipped()).as("read again, found in ClickHouse").isPositive();
                assertThat(sink.sink().insertedRecords()).isEqualTo(3000);
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    sink.sink().refreshLag();
                    return ((KafkaLag) sink.beans.get("kafkaSinkLag")).perPartition().size() == 4
                            && ((KafkaLag) sink.beans.get("kafkaSinkLag")).total() == 0;
                });
            }
        }
    }

    @Test
    void twoSinksShareThePartitionsAndOneLeavingHandsOverWithoutLoss() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 6);
            try (KafkaNode agent = new KafkaNode(KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true"),
                    "kafka.camel.yaml");
                    KafkaNode b = new KafkaNode(sinkSettings("b", broker), "kafka-sink.camel.yaml")) {
                KafkaNode a = new KafkaNode(sinkSettings("a", broker), "kafka-sink.camel.yaml");
                try {
                    // both members in the group before the data comes: a rebalance hands each some partitions
                    Thread.sleep(3000);
                    KafkaNode.telemetry(agent.buffer(), 0, 3000, RUNS);
                    assertEveryRecordOnce(3000);
                    assertThat(a.sink().insertedRecords()).as("sink a").isPositive();
                    assertThat(b.sink().insertedRecords()).as("sink b").isPositive();
                    assertThat(a.sink().insertedRecords() + b.sink().insertedRecords()).isEqualTo(3000);
                } finally {
                    a.close();
                }
                long bBefore = b.sink().insertedRecords();
                KafkaNode.telemetry(agent.buffer(), 3000, 3000, RUNS);
                assertEveryRecordOnce(6000);
                assertThat(b.sink().insertedRecords() - bBefore).as("b took a's partitions").isEqualTo(3000);
            }
        }
    }
}
