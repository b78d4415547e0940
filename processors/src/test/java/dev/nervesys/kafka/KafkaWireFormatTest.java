package dev.nervesys.kafka;

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
import java.util.UUID;
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
 * A fleet upgraded gradually: one topic holds records of the current publisher (no agent header,
 * the agent is the key up to its first '/'), records of earlier releases (header nervesys.agent
 * beside the key), copies of an old agent's records resent by it after its upgrade (new format,
 * same agent, run and ids: stored once), and an agent whose id holds a '/' (header sent, the key
 * alone would be ambiguous). Real broker, real publisher, real ClickHouse.
 */
class KafkaWireFormatTest {

    @TempDir
    Path dir;
    String db;
    ClickHouseClient ch;

    @BeforeEach
    void database() throws Exception {
        db = "kafka_wire_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        ch = new ClickHouseClient(KafkaSinkTest.CLICKHOUSE, db, null, null, Duration.ofSeconds(30));
        ch.execute("CREATE DATABASE " + db);
    }

    @AfterEach
    void drop() throws Exception {
        ch.execute("DROP DATABASE IF EXISTS " + db);
    }

    private long count(String sql) throws Exception {
        return Long.parseLong(ch.execute(sql.replace("{db}", db)).trim());
    }

    private static List<BufferedRecord> records(Path dir, KafkaBroker broker, String run, int n) throws Exception {
        try (KafkaNode filler = new KafkaNode(KafkaNode.settings(dir, broker))) {
            KafkaNode.telemetry(filler.buffer(), 0, n, run);
            return filler.buffer().read(0, n);
        }
    }

    /** Sends records by hand: with header nervesys.agent (earlier releases' format) when agentHeader. */
    private static void send(KafkaProducer<String, byte[]> p, String agent, String run, List<BufferedRecord> records, boolean agentHeader)
            throws Exception {
        List<Future<?>> acks = new ArrayList<>();
        for (BufferedRecord r : records) {
            ProducerRecord<String, byte[]> pr = new ProducerRecord<>("nervesys-telemetry", agent + "/" + run, r.body());
            if (agentHeader) {
                pr.headers().add(KafkaPublisher.H_AGENT, agent.getBytes(StandardCharsets.UTF_8));
            }
            pr.headers().add(KafkaPublisher.H_ID, Long.toString(r.id()).getBytes(StandardCharsets.UTF_8))
                    .add(KafkaPublisher.H_KIND, "telemetry".getBytes(StandardCharsets.UTF_8))
                    .add(KafkaPublisher.H_RECEIVED, Long.toString(r.receivedAt()).getBytes(StandardCharsets.UTF_8));
            acks.add(p.send(pr));
        }
        p.flush();
        for (Future<?> f : acks) {
            f.get();
        }
    }

    @Test
    void oldAndNewFormatsSideBySideEachRecordOnce() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 2);
            // the current publisher: a real agent
            try (KafkaNode agent = new KafkaNode(KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true"),
                    "kafka.camel.yaml")) {
                KafkaNode.telemetry(agent.buffer(), 0, 1000, "wf-new");
                await().atMost(Duration.ofSeconds(60)).until(() -> agent.publisher().pendingRows() == 0);
            }
            List<BufferedRecord> old = records(dir.resolve("old"), broker, "wf-old", 1000);
            List<BufferedRecord> slash = records(dir.resolve("slash"), broker, "wf-slash", 200);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                    new KafkaClients(KafkaSettings.from(KafkaNode.settings(dir.resolve("p"), broker))).producerProperties(),
                    new StringSerializer(), new ByteArraySerializer())) {
                send(p, "old-agent", "wf-old", old, true); // an agent of an earlier release
                send(p, "old-agent", "wf-old", old.subList(500, 1000), false); // its last records again after its upgrade
                send(p, "site/a1", "wf-slash", slash, true); // an agent id with a '/': the header names the agent
            }
            TestSettings s = KafkaNode.settings(dir.resolve("sink"), broker).set("nervesys.clickhouse.url", KafkaSinkTest.CLICKHOUSE)
                    .set("nervesys.clickhouse.database", db).set("nervesys.kafka.sink.maxPollRecords", "300");
            try (KafkaNode sink = new KafkaNode(s, "kafka-sink.camel.yaml")) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> sink.sink().insertedRecords() >= 2200 && sink.sink().duplicatesSkipped() >= 500);
                Thread.sleep(1000); // a late duplicate would land now
                assertThat(count("SELECT count() FROM {db}.events")).isEqualTo(2200);
                assertThat(count("SELECT count() FROM (SELECT DISTINCT run_id, buffer_id FROM {db}.events)")).isEqualTo(2200);
                assertThat(count("SELECT count() FROM {db}.series")).isEqualTo(4400);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-new'")).isEqualTo(1000);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-old'")).isEqualTo(1000);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-slash'")).isEqualTo(200);
                assertThat(count("SELECT count() FROM {db}.events WHERE received_at = toDateTime(0)")).as("received read in both formats")
                        .isZero();
                assertThat(sink.sink().insertedRecords()).isEqualTo(2200);
                assertThat(sink.sink().duplicatesSkipped()).isEqualTo(500);
            }
        }
    }

    @Test
    void theAgentOfAKeyIsItsPartBeforeTheFirstSlash() {
        byte[] a = KafkaSink.agentOfKey("agent-1/run/with/slashes".getBytes(StandardCharsets.UTF_8), null);
        assertThat(new String(a, StandardCharsets.UTF_8)).isEqualTo("agent-1");
        assertThat(KafkaSink.agentOfKey("agent-1/other".getBytes(StandardCharsets.UTF_8), a)).isSameAs(a);
        assertThat(KafkaSink.agentOfKey("agent-2/other".getBytes(StandardCharsets.UTF_8), a)).isNotSameAs(a).asString(StandardCharsets.UTF_8)
                .isEqualTo("agent-2");
        assertThat(KafkaSink.agentOfKey("no-slash".getBytes(StandardCharsets.UTF_8), a)).isNull();
        assertThat(KafkaSink.agentOfKey(null, a)).isNull();
    }
}
