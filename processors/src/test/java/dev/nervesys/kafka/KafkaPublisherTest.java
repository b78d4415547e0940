package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.TestSettings;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher (routes/kafka.camel.yaml) against a real KRaft broker: records reach their kind's
 * topic keyed by agent and run, the cursor moves only after the broker acknowledged, and while the
 * broker is down the buffer holds the records, which drain when it is back: every record id once.
 */
class KafkaPublisherTest {

    @TempDir
    Path dir;

    @Test
    void brokerDownTheBufferHoldsThenDrainsEveryRecordOnce() throws Exception {
        long t0 = System.currentTimeMillis(); // the settings' clock is the system's
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 3);
            TestSettings s = KafkaNode.settings(dir, broker).set("nervesys.kafka.publish", "true");
            try (KafkaNode agent = new KafkaNode(s, "kafka.camel.yaml")) {
                KafkaNode.telemetry(agent.buffer(), 0, 1000, "run-a", "run-b", "run-c");
                agent.buffer().append(List.of(RecordKind.LOG), List.of("{\"msg\":\"a log line\"}".getBytes(StandardCharsets.UTF_8)));
                await().atMost(Duration.ofSeconds(60)).until(() -> agent.publisher().pendingRows() == 0);

                broker.stop();
                KafkaNode.telemetry(agent.buffer(), 1000, 2000, "run-a", "run-b", "run-c");
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.publisher().consecutiveFailures() > 0);
                assertThat(agent.publisher().pendingRows()).as("held by the buffer while Kafka is down").isEqualTo(2000);
                assertThat(agent.publisher().lastError()).isNotBlank();

                broker.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> agent.publisher().pendingRows() == 0);
                assertThat(agent.publisher().consecutiveFailures()).isZero();
                assertThat(agent.publisher().sentRecords()).isEqualTo(3001);
            }

            Map<Long, Integer> seen = new HashMap<>();
            Map<String, Integer> partitionOfKey = new HashMap<>();
            List<String> logs = new ArrayList<>();
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "group.id", "check", "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of("nervesys-telemetry", "nervesys-logs"));
                long end = System.currentTimeMillis() + 60_000;
                while ((seen.values().stream().mapToInt(Integer::intValue).sum() < 3000 || logs.isEmpty())
                        && System.currentTimeMillis() < end) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        if (r.topic().equals("nervesys-logs")) {
                            logs.add(new String(r.value(), StandardCharsets.UTF_8));
                            assertThat(r.key()).isEqualTo("test-agent/");
                            continue;
                        }
                        assertThat(r.headers().toArray()).as("one header").hasSize(1);
                        String[] meta = header(r, KafkaPublisher.H_META).split(":", -1);
                        assertThat(meta).as("kind:id:received").hasSize(3);
                        assertThat(meta[0]).isEqualTo("telemetry");
                        long id = Long.parseLong(meta[1]);
                        seen.merge(id, 1, Integer::sum);
                        assertThat(Long.parseLong(meta[2])).as("the commit time, epoch ms").isBetween(t0, System.currentTimeMillis());
                        assertThat(header(r, KafkaPublisher.H_AGENT)).as("the agent is in the key").isNull();
                        assertThat(header(r, KafkaPublisher.H_ID)).as("no header of the earlier formats").isNull();
                        String run = RunKey.runId(r.value());
                        assertThat(r.key()).isEqualTo("test-agent/" + run);
                        Integer before = partitionOfKey.putIfAbsent(r.key(), r.partition());
                        assertThat(before == null || before == r.partition()).as("one run, one partition").isTrue();
                    }
                }
            }
            assertThat(seen).hasSize(3000);
            assertThat(seen.values()).allMatch(n -> n == 1);
            assertThat(logs).containsExactly("{\"msg\":\"a log line\"}");
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
