package dev.nervesys.kafka;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the Kafka publisher and sink (docs/kafka.md), read once at start. Secrets come from
 * the environment only ({@code NERVESYS_KAFKA_SASL_USERNAME}, {@code NERVESYS_KAFKA_SASL_PASSWORD},
 * {@code NERVESYS_KAFKA_SSL_TRUSTSTORE_PASSWORD}, {@code NERVESYS_KAFKA_SSL_KEYSTORE_PASSWORD}) and
 * reach only the Kafka clients ({@link KafkaClients}), never Camel's properties.
 */
public record KafkaSettings(String bootstrapServers, boolean publish, String topicTelemetry, String topicLog, String topicPoint,
        String acks, String compression, int batchRows, long maxBatchBytes, Duration linger, Duration timeout,
        Duration backoffInitial, Duration backoffMax, String securityProtocol, String saslMechanism,
        String truststore, String keystore, Optional<String> saslUser, Optional<String> saslPassword,
        Optional<String> truststorePassword, Optional<String> keystorePassword, String sinkGroup, Duration checkEvery,
        int inFlightBatches, int sinkMaxPollRecords, Duration sinkPollTimeout, Duration sinkSessionTimeout) {

    public static final Setting BOOTSTRAP_SERVERS = Setting.text("nervesys.kafka.bootstrapServers", "", BEANS,
            "Kafka brokers, host:port[,host:port] (empty = no Kafka: the publisher is off and its cursor holds no rows)");
    public static final Setting PUBLISH = Setting.flag("nervesys.kafka.publish", "false", BEANS,
            "this agent publishes its buffer to Kafka (a buffer consumer with its own cursor, route kafka-publisher); "
                    + "false: the cursor holds no rows and the route's worker idles");
    public static final Setting TOPIC_TELEMETRY = Setting.text("nervesys.kafka.topic.telemetry", "nervesys-telemetry", BEANS,
            "topic of telemetry records (the one the sink reads, route kafka-sink)");
    public static final Setting TOPIC_LOG = Setting.text("nervesys.kafka.topic.log", "nervesys-logs", BEANS,
            "topic of log records (empty = not published)");
    public static final Setting TOPIC_POINT = Setting.text("nervesys.kafka.topic.point", "nervesys-points", BEANS,
            "topic of line-protocol points (empty = not published)");
    public static final Setting ACKS = Setting.text("nervesys.kafka.acks", "all", BEANS,
            "producer acks: all (idempotent producer, the default), 1 or 0 (no idempotence; a batch counts as sent "
                    + "when the leader, or nobody, has it)");
    public static final Setting COMPRESSION = Setting.text("nervesys.kafka.compression", "zstd", BEANS,
            "producer compression: zstd, lz4, gzip, snappy or none");
    public static final Setting BATCH_ROWS = Setting.integer("nervesys.kafka.batchRows", "20000", "records", BEANS,
            "records read from the buffer per batch; the cursor moves once the broker acknowledged all of them");
    public static final Setting MAX_BATCH_BYTES = Setting.bytes("nervesys.kafka.maxBatchBytes", "16MB", BEANS,
            "at most this many buffer bytes per batch");
    public static final Setting LINGER = Setting.duration("nervesys.kafka.linger", "5ms", BEANS,
            "producer linger.ms: how long the client waits to fill a request");
    public static final Setting TIMEOUT = Setting.duration("nervesys.kafka.timeout", "30s", BEANS,
            "how long a batch may wait for the broker (delivery.timeout.ms; max.block.ms and request.timeout.ms follow)");
    public static final Setting CHECK_EVERY = Setting.duration("nervesys.kafka.checkEvery", "100ms", BEANS,
            "how often the publisher looks for new records when it has caught up (its worker, route kafka-publisher)");
    public static final Setting IN_FLIGHT_BATCHES = Setting.integer("nervesys.kafka.inFlightBatches", "3", "batches", BEANS,
            "batches sent and not yet acknowledged, at most: the next batch is read and sent while the earlier ones "
                    + "wait for the broker; the cursor still moves batch by batch, in order, after each acknowledgement "
                    + "(1 = one batch at a time)");
    public static final Setting BACKOFF_INITIAL = Setting.duration("nervesys.kafka.backoffInitial", "1s", BEANS,
            "retry after a failure (publisher and sink): doubling from backoffInitial ...");
    public static final Setting BACKOFF_MAX = Setting.duration("nervesys.kafka.backoffMax", "30s", BEANS,
            "... up to backoffMax");
    public static final Setting SECURITY_PROTOCOL = Setting.text("nervesys.kafka.securityProtocol", "PLAINTEXT", BEANS,
            "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; SASL credentials from NERVESYS_KAFKA_SASL_USERNAME and "
                    + "NERVESYS_KAFKA_SASL_PASSWORD only");
    public static final Setting SASL_MECHANISM = Setting.text("nervesys.kafka.saslMechanism", "SCRAM-SHA-512", BEANS,
            "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (with SASL_*)");
    public static final Setting TRUSTSTORE = Setting.text("nervesys.kafka.ssl.truststore", "", BEANS,
            "trust store file (PKCS12/JKS) for SSL/SASL_SSL (empty = the JVM's); password from "
                    + "NERVESYS_KAFKA_SSL_TRUSTSTORE_PASSWORD");
    public static final Setting KEYSTORE = Setting.text("nervesys.kafka.ssl.keystore", "", BEANS,
            "key store file for TLS client authentication (empty = none); password from NERVESYS_KAFKA_SSL_KEYSTORE_PASSWORD");
    public static final Setting SINK_GROUP = Setting.text("nervesys.kafka.sink.group", "nervesys-sink", BEANS,
            "consumer group of the sink nodes (module kafka-sink): nodes of one group share the partitions");
    public static final Setting SINK_MAX_POLL_RECORDS = Setting.integer("nervesys.kafka.sink.maxPollRecords", "20000", "records",
            BEANS, "records per ClickHouse insert of the sink, at most");
    public static final Setting SINK_POLL_TIMEOUT = Setting.duration("nervesys.kafka.sink.pollTimeout", "500ms", BEANS,
            "how long the sink waits for records before an insert of what it has");
    public static final Setting SINK_SESSION_TIMEOUT = Setting.duration("nervesys.kafka.sink.sessionTimeout", "45s", BEANS,
            "a sink node that stops answering (killed, hung) loses its partitions to the others after this long "
                    + "(session.timeout.ms; the broker allows 6s..30m by default)");
    public static final Setting LAG_EVERY = Setting.duration("nervesys.kafka.sink.lagEvery", "10s", ROUTES,
            "how often the sink's consumer lag per partition is read from the broker (metric nervesys_kafka_sink_lag_records)");

    /** The declarations of {@code nervesys.kafka.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Kafka";
        }

        @Override
        public String page() {
            return "kafka.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(BOOTSTRAP_SERVERS, PUBLISH, TOPIC_TELEMETRY, TOPIC_LOG, TOPIC_POINT, ACKS, COMPRESSION, BATCH_ROWS,
                    MAX_BATCH_BYTES, LINGER, TIMEOUT, CHECK_EVERY, IN_FLIGHT_BATCHES, BACKOFF_INITIAL, BACKOFF_MAX, SECURITY_PROTOCOL,
                    SASL_MECHANISM, TRUSTSTORE, KEYSTORE, SINK_GROUP, SINK_MAX_POLL_RECORDS, SINK_POLL_TIMEOUT,
                    SINK_SESSION_TIMEOUT, LAG_EVERY);
        }
    }

    public static KafkaSettings from(AgentSettings s) {
        String servers = s.get(BOOTSTRAP_SERVERS).trim();
        String acks = s.get(ACKS).trim().toLowerCase(Locale.ROOT);
        if (!List.of("all", "-1", "1", "0").contains(acks)) {
            throw new IllegalArgumentException(ACKS.key() + " must be all, 1 or 0, not " + acks);
        }
        String compression = s.get(COMPRESSION).trim().toLowerCase(Locale.ROOT);
        if (!List.of("zstd", "lz4", "gzip", "snappy", "none").contains(compression)) {
            throw new IllegalArgumentException(COMPRESSION.key() + " must be zstd, lz4, gzip, snappy or none, not " + compression);
        }
        String protocol = s.get(SECURITY_PROTOCOL).trim().toUpperCase(Locale.ROOT);
        if (!List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(protocol)) {
            throw new IllegalArgumentException(SECURITY_PROTOCOL.key() + " must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not "
                    + protocol);
        }
        return new KafkaSettings(servers,
                s.getBoolean(PUBLISH),
                s.get(TOPIC_TELEMETRY).trim(), s.get(TOPIC_LOG).trim(), s.get(TOPIC_POINT).trim(),
                acks.equals("-1") ? "all" : acks, compression,
                s.getInt(BATCH_ROWS), s.getBytes(MAX_BATCH_BYTES), s.getDuration(LINGER), s.getDuration(TIMEOUT),
                s.getDuration(BACKOFF_INITIAL), s.getDuration(BACKOFF_MAX),
                protocol, s.get(SASL_MECHANISM).trim(), s.get(TRUSTSTORE).trim(), s.get(KEYSTORE).trim(),
                s.secret("NERVESYS_KAFKA_SASL_USERNAME"), s.secret("NERVESYS_KAFKA_SASL_PASSWORD"),
                s.secret("NERVESYS_KAFKA_SSL_TRUSTSTORE_PASSWORD"), s.secret("NERVESYS_KAFKA_SSL_KEYSTORE_PASSWORD"),
                s.get(SINK_GROUP).trim(), s.getDuration(CHECK_EVERY), Math.max(1, s.getInt(IN_FLIGHT_BATCHES)),
                Math.max(1, s.getInt(SINK_MAX_POLL_RECORDS)), s.getDuration(SINK_POLL_TIMEOUT), s.getDuration(SINK_SESSION_TIMEOUT));
    }

    /** Whether brokers are configured (the sink and the health check need them; the publisher needs module kafka too). */
    public boolean configured() {
        return !bootstrapServers.isEmpty();
    }

    /** Whether the publisher's cursor is on: brokers set and {@code nervesys.kafka.publish}. */
    public boolean publishing() {
        return configured() && publish;
    }

    /** The topic of a record kind; empty when that kind is not published. */
    public String topic(RecordKind kind) {
        return switch (kind) {
            case TELEMETRY -> topicTelemetry;
            case LOG -> topicLog;
            case POINT -> topicPoint;
        };
    }

    /** Where records go, without credentials. */
    public String describe() {
        return configured() ? bootstrapServers + " (" + securityProtocol + ")" : "off (nervesys.kafka.bootstrapServers empty)";
    }

    /** Without the credentials (a record's own toString would print them). */
    @Override
    public String toString() {
        return "KafkaSettings[" + describe() + ", publish=" + publish + ", acks=" + acks + ", compression=" + compression
                + ", credentials from the environment not shown]";
    }
}
