package dev.nervesys.kafka;

import java.util.Properties;
import org.apache.camel.component.kafka.KafkaClientFactory;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Bean {@code kafkaClients}: makes the Kafka clients of the publisher ({@link #producer}) and the sink
 * ({@link #consumer}), with what must not live in Camel's properties (brokers, SASL/SCRAM credentials
 * and TLS stores, read from the environment) and the producer's delivery guarantees (acks,
 * idempotence, compression, timeouts). It is also a camel-kafka {@code kafkaClientFactory}, for a
 * route of a config repo that talks to the same cluster with a {@code kafka:} endpoint
 * ({@code kafkaClientFactory: "#kafkaClients"}): the same brokers, security and guarantees over what
 * the endpoint sets, so such a route cannot weaken them by accident. Stateless: the validation
 * contexts bind it too.
 */
public final class KafkaClients implements KafkaClientFactory {

    private final KafkaSettings cfg;

    public KafkaClients(KafkaSettings cfg) {
        this.cfg = cfg;
    }

    @Override
    public Producer getProducer(Properties camelProps) {
        Properties p = new Properties();
        p.putAll(camelProps);
        p.putAll(producerProperties());
        return new KafkaProducer<>(p);
    }

    @Override
    public Consumer getConsumer(Properties camelProps) {
        Properties p = new Properties();
        p.putAll(camelProps);
        p.putAll(common());
        // offsets move only when the sink committed them, after ClickHouse confirmed the insert
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_committed");
        return new KafkaConsumer<>(p);
    }

    /** The publisher's producer: {@link #producerProperties()}, keys as strings, values as bytes. */
    public Producer<String, byte[]> producer() {
        return new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A sink consumer of group {@link KafkaSettings#sinkGroup()}: offsets move only when the sink
     * commits them, after ClickHouse confirmed the insert (auto commit off); keys and values as bytes.
     */
    public Consumer<byte[], byte[]> consumer() {
        Properties p = common();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, cfg.sinkGroup());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(cfg.sinkMaxPollRecords()));
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(cfg.sinkSessionTimeout().toMillis()));
        // Kafka's 3 s, or a third of a shorter session; a member learns of a rebalance with its next heartbeat
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                String.valueOf(Math.max(500, Math.min(3000, cfg.sinkSessionTimeout().toMillis() / 3))));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public String getBrokers(KafkaConfiguration configuration) {
        if (!cfg.configured()) {
            throw new IllegalStateException(KafkaSettings.BOOTSTRAP_SERVERS.key() + " is empty: no Kafka brokers to connect to");
        }
        return cfg.bootstrapServers();
    }

    /** The brokers, for a route's {@code brokers} option ({@code {{bean:kafkaClients.brokers}}}). */
    public String brokers() {
        return cfg.configured() ? cfg.bootstrapServers() : "unset";
    }

    /** The telemetry topic: the one the sink reads ({@code {{bean:kafkaClients.telemetryTopic}}} in a route). */
    public String telemetryTopic() {
        return cfg.topicTelemetry().isEmpty() ? KafkaSettings.TOPIC_TELEMETRY.defaultValue() : cfg.topicTelemetry();
    }

    /** The sink nodes' consumer group ({@code {{bean:kafkaClients.sinkGroup}}}). */
    public String sinkGroup() {
        return cfg.sinkGroup();
    }

    public Admin admin() {
        Properties p = common();
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(p);
    }

    /** The producer's delivery guarantees, over anything an endpoint set. */
    Properties producerProperties() {
        Properties p = common();
        boolean all = cfg.acks().equals("all");
        p.put(ProducerConfig.ACKS_CONFIG, cfg.acks());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, String.valueOf(all));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, cfg.compression());
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(cfg.linger().toMillis()));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 << 10));
        long timeout = Math.max(1000, cfg.timeout().toMillis());
        long request = Math.max(500, Math.min(timeout - cfg.linger().toMillis() - 1, timeout / 2));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(request));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout));
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
        return p;
    }

    /** Brokers and security, shared by producer, consumer and admin. */
    Properties common() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, getBrokers(null));
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, cfg.securityProtocol());
        if (cfg.securityProtocol().startsWith("SASL")) {
            String user = cfg.saslUser().orElseThrow(() -> new IllegalStateException(
                    cfg.securityProtocol() + " needs NERVESYS_KAFKA_SASL_USERNAME and NERVESYS_KAFKA_SASL_PASSWORD in the environment"));
            String password = cfg.saslPassword().orElseThrow(() -> new IllegalStateException(
                    cfg.securityProtocol() + " needs NERVESYS_KAFKA_SASL_PASSWORD in the environment"));
            String module = cfg.saslMechanism().startsWith("SCRAM") ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            p.put(SaslConfigs.SASL_MECHANISM, cfg.saslMechanism());
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasEscape(user) + "\" password=\""
                    + jaasEscape(password) + "\";");
        }
        if (cfg.securityProtocol().endsWith("SSL")) {
            if (!cfg.truststore().isEmpty()) {
                p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, cfg.truststore());
                cfg.truststorePassword().ifPresent(pw -> p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pw));
            }
            if (!cfg.keystore().isEmpty()) {
                p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, cfg.keystore());
                cfg.keystorePassword().ifPresent(pw -> {
                    p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, pw);
                    p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, pw);
                });
            }
        }
        return p;
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
