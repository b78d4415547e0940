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
 * A fleet upgraded gradually: one topic holds records of the three wire formats (docs/kafka.md,
 * "Wire format"): the current publisher's (one header nervesys = kind:id:received, the agent is the
 * key up to its first '/'), the previous release's (three headers nervesys.id, .kind, .received),
 * and the one before (those three and nervesys.agent); copies of an agent's records resent by it
 * after its upgrade (a newer format, same agent, run and ids: stored once); an agent whose id holds
 * a '/' (header nervesys.agent beside the current header); and records the sink must pass over (a
 * log, a malformed header). Real broker, real publisher, real ClickHouse.
 */
class KafkaWireFormatTest {

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

    private static List<BufferedRecord> records(Path dir, KafkaBroker broker, String run, int n) throws Exception {
        try (KafkaNode filler = new KafkaNode(KafkaNode.settings(dir, broker))) {
            KafkaNode.telemetry(filler.buffer(), 0, n, run);
            return filler.buffer().read(0, n);
        }
    }

    /** The three wire formats, newest first. */
    enum Format {
        /** One header nervesys = kind:id:received (the current publisher); nervesys.agent only for an agent id with a '/'. */
        ONE_HEADER,
        /** nervesys.id, nervesys.kind, nervesys.received; nervesys.agent only for an agent id with a '/'. */
        THREE_HEADERS,
        /** nervesys.agent, nervesys.id, nervesys.kind, nervesys.received on every record. */
        FOUR_HEADERS
    }

    /** Sends records by hand in the format given, all acknowledged. */
    private static void send(KafkaProducer<String, byte[]> p, String agent, String run, List<BufferedRecord> records, Format format)
            throws Exception {
        List<Future<?>> acks = new ArrayList<>();
        for (BufferedRecord r : records) {
            ProducerRecord<String, byte[]> pr = new ProducerRecord<>("nervesys-telemetry", agent + "/" + run, r.body());
            if (format == Format.FOUR_HEADERS || agent.indexOf('/') >= 0) {
                pr.headers().add(KafkaPublisher.H_AGENT, agent.getBytes(StandardCharsets.UTF_8));
            }
            if (format == Format.ONE_HEADER) {
                pr.headers().add(KafkaPublisher.H_META,
                        ("telemetry:" + r.id() + ":" + r.receivedAt()).getBytes(StandardCharsets.US_ASCII));
            } else {
                pr.headers().add(KafkaPublisher.H_ID, Long.toString(r.id()).getBytes(StandardCharsets.UTF_8))
                        .add(KafkaPublisher.H_KIND, "telemetry".getBytes(StandardCharsets.UTF_8))
                        .add(KafkaPublisher.H_RECEIVED, Long.toString(r.receivedAt()).getBytes(StandardCharsets.UTF_8));
            }
            acks.add(p.send(pr));
        }
        p.flush();
        for (Future<?> f : acks) {
            f.get();
        }
    }

    /** A record with header nervesys = {@code meta} as given (to be passed over by the sink). */
    private static void sendRaw(KafkaProducer<String, byte[]> p, String key, BufferedRecord r, String meta) throws Exception {
        ProducerRecord<String, byte[]> pr = new ProducerRecord<>("nervesys-telemetry", key, r.body());
        pr.headers().add(KafkaPublisher.H_META, meta.getBytes(StandardCharsets.US_ASCII));
        p.send(pr).get();
    }

    @Test
    void threeFormatsSideBySideEachRecordOnce() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 2);
            // the current publisher: a real agent
            try (KafkaNode agent = new KafkaNode(KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true"),
                    "kafka.camel.yaml")) {
                KafkaNode.telemetry(agent.buffer(), 0, 1000, "wf-new");
                await().atMost(Duration.ofSeconds(60)).until(() -> agent.publisher().pendingRows() == 0);
            }
            List<BufferedRecord> old = records(dir.resolve("old"), broker, "wf-old", 1000);
            List<BufferedRecord> mid = records(dir.resolve("mid"), broker, "wf-mid", 600);
            List<BufferedRecord> slash = records(dir.resolve("slash"), broker, "wf-slash", 200);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                    new KafkaClients(KafkaSettings.from(KafkaNode.settings(dir.resolve("p"), broker))).producerProperties(),
                    new StringSerializer(), new ByteArraySerializer())) {
                send(p, "old-agent", "wf-old", old, Format.FOUR_HEADERS); // an agent two releases behind
                send(p, "old-agent", "wf-old", old.subList(500, 1000), Format.THREE_HEADERS); // its last 500 again after one upgrade
                send(p, "old-agent", "wf-old", old.subList(750, 1000), Format.ONE_HEADER); // its last 250 again after the next
                send(p, "mid-agent", "wf-mid", mid.subList(0, 400), Format.THREE_HEADERS); // the previous release
                send(p, "mid-agent", "wf-mid", mid.subList(300, 600), Format.ONE_HEADER); // upgraded mid-run: 100 copies, 200 new
                send(p, "site/a1", "wf-slash", slash, Format.ONE_HEADER); // an agent id with a '/': nervesys.agent names it
                // passed over, not stored: a log, headers that are not the format
                BufferedRecord x = old.get(0);
                sendRaw(p, "odd-agent/wf-odd", x, "log:1:" + x.receivedAt());
                sendRaw(p, "odd-agent/wf-odd", x, "telemetry:" + x.receivedAt());
                sendRaw(p, "odd-agent/wf-odd", x, "telemetry:-1:" + x.receivedAt());
                sendRaw(p, "odd-agent/wf-odd", x, "telemetryx:1:" + x.receivedAt());
            }
            TestSettings s = KafkaNode.settings(dir.resolve("sink"), broker).set("nervesys.clickhouse.url", KafkaSinkTest.CLICKHOUSE)
                    .set("nervesys.clickhouse.database", db).set("nervesys.kafka.sink.maxPollRecords", "300");
            try (KafkaNode sink = new KafkaNode(s, "kafka-sink.camel.yaml")) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> sink.sink().insertedRecords() >= 2800 && sink.sink().duplicatesSkipped() >= 850
                                && ((Number) sink.sink().status().get("skippedNotTelemetry")).longValue() >= 4);
                Thread.sleep(1000); // a late duplicate would land now
                assertThat(count("SELECT count() FROM {db}.events")).isEqualTo(2800);
                assertThat(count("SELECT count() FROM (SELECT DISTINCT run_id, buffer_id FROM {db}.events)")).isEqualTo(2800);
                assertThat(count("SELECT count() FROM {db}.series")).isEqualTo(5600);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-new'")).isEqualTo(1000);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-old'")).isEqualTo(1000);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-mid'")).isEqualTo(600);
                assertThat(count("SELECT count() FROM {db}.events WHERE run_id = 'wf-slash'")).isEqualTo(200);
                assertThat(count("SELECT count() FROM {db}.events WHERE received_at = toDateTime(0)")).as("received read in every format")
                        .isZero();
                assertThat(count("SELECT min(buffer_id) FROM {db}.events WHERE run_id = 'wf-mid'")).isEqualTo(mid.get(0).id());
                assertThat(count("SELECT max(buffer_id) FROM {db}.events WHERE run_id = 'wf-mid'")).isEqualTo(mid.get(599).id());
                assertThat(sink.sink().insertedRecords()).isEqualTo(2800);
                assertThat(sink.sink().duplicatesSkipped()).isEqualTo(500 + 250 + 100);
                assertThat(((Number) sink.sink().status().get("skippedNotTelemetry")).longValue()).isEqualTo(4);
            }
        }
    }

    @Test
    void theOneHeaderIsKindIdReceivedInAscii() {
        byte[] t = "telemetry:".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(KafkaPublisher.meta(t, 4711, 1_764_790_000_123L), StandardCharsets.US_ASCII))
                .isEqualTo("telemetry:4711:1764790000123");
        assertThat(new String(KafkaPublisher.meta("log:".getBytes(StandardCharsets.US_ASCII), 0, 9), StandardCharsets.US_ASCII))
                .isEqualTo("log:0:9");
        assertThat(new String(KafkaPublisher.meta(t, Long.MAX_VALUE, 10), StandardCharsets.US_ASCII))
                .isEqualTo("telemetry:" + Long.MAX_VALUE + ":10");
        byte[] v = KafkaPublisher.meta(t, 123_456_789L, 1_000_000_000_000L);
        assertThat(KafkaSink.number(v, t.length, t.length + 9)).isEqualTo(123_456_789L);
        assertThat(KafkaSink.number(v, t.length + 10, v.length)).isEqualTo(1_000_000_000_000L);
        assertThat(KafkaSink.number(v, 0, t.length)).as("not a number").isEqualTo(-1);
        assertThat(KafkaSink.number(v, 3, 3)).as("empty").isEqualTo(-1);
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
