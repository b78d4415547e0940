package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.buffer.TestSettings;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Kafka clients are given: SASL/SCRAM and TLS from the environment only, the producer's
 * guarantees over anything an endpoint set, and clear errors for missing credentials or bad values.
 */
class KafkaClientsTest {

    @TempDir
    Path dir;

    @Test
    void scramAndTlsComeFromTheEnvironment() {
        TestSettings s = new TestSettings(dir).set("nervesys.kafka.bootstrapServers", "k1:9093,k2:9093")
                .set("nervesys.kafka.securityProtocol", "sasl_ssl")
                .set("nervesys.kafka.ssl.truststore", "/etc/kafka/trust.p12")
                .env("NERVESYS_KAFKA_SASL_USERNAME", "agent-7")
                .env("NERVESYS_KAFKA_SASL_PASSWORD", "pa\"ss")
                .env("NERVESYS_KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-secret");
        KafkaSettings cfg = KafkaSettings.from(s);
        Properties p = new KafkaClients(cfg).producerProperties();
        assertThat(p.getProperty("bootstrap.servers")).isEqualTo("k1:9093,k2:9093");
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(p.getProperty("sasl.jaas.config")).isEqualTo(
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"agent-7\" password=\"pa\\\"ss\";");
        assertThat(p.getProperty("ssl.truststore.location")).isEqualTo("/etc/kafka/trust.p12");
        assertThat(p.getProperty("ssl.truststore.password")).isEqualTo("trust-secret");
        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("compression.type")).isEqualTo("zstd");
        // what the console and logs show carries no secret
        assertThat(cfg.describe()).isEqualTo("k1:9093,k2:9093 (SASL_SSL)");
        assertThat(cfg.toString()).doesNotContain("pa\"ss").doesNotContain("trust-secret");
    }

    @Test
    void acksBelowAllTurnIdempotenceOffAndBadValuesAreRefusedByName() {
        TestSettings s = new TestSettings(dir).set("nervesys.kafka.bootstrapServers", "k:9092").set("nervesys.kafka.acks", "1")
                .set("nervesys.kafka.compression", "lz4");
        Properties p = new KafkaClients(KafkaSettings.from(s)).producerProperties();
        assertThat(p.getProperty("acks")).isEqualTo("1");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("false");
        assertThat(p.getProperty("compression.type")).isEqualTo("lz4");

        assertThatThrownBy(() -> KafkaSettings.from(new TestSettings(dir).set("nervesys.kafka.compression", "brotli")))
                .hasMessage("nervesys.kafka.compression must be zstd, lz4, gzip, snappy or none, not brotli");
        assertThatThrownBy(() -> KafkaSettings.from(new TestSettings(dir).set("nervesys.kafka.acks", "2")))
                .hasMessage("nervesys.kafka.acks must be all, 1 or 0, not 2");
    }

    @Test
    void saslWithoutItsEnvironmentVariablesFailsNamingThem() {
        TestSettings s = new TestSettings(dir).set("nervesys.kafka.bootstrapServers", "k:9092")
                .set("nervesys.kafka.securityProtocol", "SASL_PLAINTEXT");
        KafkaClients clients = new KafkaClients(KafkaSettings.from(s));
        assertThatThrownBy(clients::producerProperties)
                .hasMessage("SASL_PLAINTEXT needs NERVESYS_KAFKA_SASL_USERNAME and NERVESYS_KAFKA_SASL_PASSWORD in the environment");
        assertThatThrownBy(() -> new KafkaClients(KafkaSettings.from(new TestSettings(dir))).getBrokers(null))
                .hasMessageContaining("nervesys.kafka.bootstrapServers is empty");
    }
}
