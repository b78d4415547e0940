package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.testing.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The test fixture itself: a real KRaft broker that keeps its records across a stop and a start. */
class KafkaBrokerTest {

    @Test
    void keepsRecordsAcrossARestart() throws Exception {
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("fixture", 1);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "acks", "all"), new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>("fixture", "k", "before")).get();
            }
            broker.stop();
            broker.start();
            List<String> seen = new ArrayList<>();
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "group.id", "fixture", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of("fixture"));
                long end = System.currentTimeMillis() + 60_000;
                while (seen.isEmpty() && System.currentTimeMillis() < end) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                        seen.add(r.value());
                    }
                }
            }
            assertThat(seen).containsExactly("before");
        }
    }
}
