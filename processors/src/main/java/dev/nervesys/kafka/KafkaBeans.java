package dev.nervesys.kafka;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kafka's beans (docs/kafka.md): {@code kafkaClients} (makes the Kafka clients: brokers, security,
 * producer guarantees), {@code kafkaPublisher} (a buffer consumer with its own cursor and producer,
 * worker of route kafka-publisher, module {@code kafka}), {@code kafkaSink} (Kafka -> ClickHouse with
 * a consumer of its own, worker of route kafka-sink, module {@code kafka-sink}, with the ClickHouse
 * client of the clickhouse capability, found by type) and {@code kafkaHealth}.
 */
public final class KafkaBeans implements BeanProvider {

    /** After the ClickHouse provider, whose client the sink uses. */
    static final int ORDER = KAFKA;

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        KafkaSettings cfg = KafkaSettings.from(s);
        KafkaClients clients = new KafkaClients(cfg);
        RecordBuffer buffer = BeanProvider.ofType(earlier, RecordBuffer.class);
        KafkaPublisher publisher = new KafkaPublisher(buffer, cfg, clients, s.agentId(), s.clock());
        KafkaLag lag = new KafkaLag(clients::admin, cfg.sinkGroup());
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("kafkaClients", clients);
        beans.put("kafkaPublisher", publisher);
        beans.put("kafkaSink", new KafkaSink(BeanProvider.ofType(earlier, ClickHouseClient.class), cfg, clients, lag, s.clock()));
        beans.put("kafkaSinkLag", lag);
        beans.put("kafkaHealth", new KafkaHealthCheck(cfg, clients, publisher, s.clock()));
        return beans;
    }
}
