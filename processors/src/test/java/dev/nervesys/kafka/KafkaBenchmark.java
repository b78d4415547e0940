package dev.nervesys.kafka;

import dev.nervesys.buffer.TestSettings;
import dev.nervesys.clickhouse.ClickHouseShipper;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Buffer -> Kafka beside buffer -> ClickHouse (the shipper) on the same records in one run
 * (docs/benchmarks.md, "Kafka"). Not a test: run by hand.
 *
 * <pre>
 * usage: KafkaBenchmark [records] [compression]   (a KRaft broker in this JVM, ClickHouse on 127.0.0.1:8123)
 * </pre>
 *
 * The records are written to a buffer first (publishing off); then an agent with the real route
 * kafka.camel.yaml publishes them all (timed until the publisher's cursor reached the head), and the
 * ClickHouse shipper of the same buffer ships the same records (its cursor was held meanwhile, timed
 * until it reached the head too).
 */
public final class KafkaBenchmark {

    private KafkaBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        String compression = args.length > 1 ? args[1] : "zstd";
        Path dir = Files.createTempDirectory("nervesys-kafka-bench");
        String db = "kafka_bench_" + System.nanoTime() % 1_000_000;
        ClickHouseClient admin = new ClickHouseClient("http://127.0.0.1:8123", db, null, null, Duration.ofSeconds(60));
        admin.execute("CREATE DATABASE " + db);
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 6);
            TestSettings s = KafkaNode.settings(dir, broker)
                    .set("nervesys.kafka.batchRows", "20000")
                    .set("nervesys.kafka.compression", compression)
                    .set("nervesys.kafka.checkEvery", "10ms")
                    .set("nervesys.clickhouse.url", "http://127.0.0.1:8123")
                    .set("nervesys.clickhouse.database", db);
            try (KafkaNode filler = new KafkaNode(s)) {
                for (int i = 0; i < n; i += 10_000) {
                    KafkaNode.telemetry(filler.buffer(), i, Math.min(10_000, n - i), KafkaSinkTest.RUNS);
                }
                System.out.printf("%,d telemetry records, %,d body bytes in the buffer%n", n, filler.buffer().recordBytes());
            }
            s.set("nervesys.kafka.publish", "true");
            long t0 = System.nanoTime();
            double kafka;
            try (KafkaNode agent = new KafkaNode(s, "kafka.camel.yaml")) {
                while (agent.publisher().pendingRows() > 0) {
                    if (agent.publisher().consecutiveFailures() > 0) {
                        throw new IllegalStateException(agent.publisher().lastError());
                    }
                    Thread.sleep(5);
                }
                kafka = n / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("  buffer -> Kafka (%s, acks=all, idempotent, batches of 20,000) %,10.0f records/s%n", compression, kafka);
                ClickHouseShipper shipper = (ClickHouseShipper) agent.beans.get("clickhouseShipper");
                long t1 = System.nanoTime();
                while (shipper.pendingRows() > 0) {
                    shipper.tick();
                    if (shipper.consecutiveFailures() > 0) {
                        throw new IllegalStateException(shipper.lastError());
                    }
                }
                double ch = n / ((System.nanoTime() - t1) / 1e9);
                System.out.printf("  buffer -> ClickHouse (shipper, RowBinary, batches of 50,000) %,10.0f records/s%n", ch);
                System.out.printf("  ratio Kafka / ClickHouse shipper = %.2f%n", kafka / ch);
            }
        } finally {
            admin.execute("DROP DATABASE IF EXISTS " + db);
        }
    }
}
