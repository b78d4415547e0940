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
 * usage: KafkaBenchmark [records] [compression] [batchRows]   (a KRaft broker in this JVM, ClickHouse on 127.0.0.1:8123)
 *        KafkaBenchmark latency [records/s] [seconds]       (end to end: agent -> Kafka -> sink -> ClickHouse)
 *        KafkaBenchmark reference [records] [rounds] [compression] [both|publisher|sink]
 *            (publisher beside kafka-producer-perf-test, sink beside ClickHouse's own insert: KafkaReferenceBenchmark)
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
        if (args.length > 0 && args[0].equals("latency")) {
            latency(args.length > 1 ? Integer.parseInt(args[1]) : 10_000, args.length > 2 ? Integer.parseInt(args[2]) : 20);
            return;
        }
        if (args.length > 0 && args[0].equals("reference")) {
            KafkaReferenceBenchmark.run(args.length > 1 ? Integer.parseInt(args[1]) : 200_000, args.length > 2 ? Integer.parseInt(args[2]) : 4,
                    args.length > 3 ? args[3] : "zstd", args.length > 4 ? args[4] : "both");
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        String compression = args.length > 1 ? args[1] : "zstd";
        String batchRows = args.length > 2 ? args[2] : "20000";
        Path dir = Files.createTempDirectory("nervesys-kafka-bench");
        String db = "kafka_bench_" + System.nanoTime() % 1_000_000;
        ClickHouseClient admin = new ClickHouseClient("http://127.0.0.1:8123", db, null, null, Duration.ofSeconds(60));
        admin.execute("CREATE DATABASE " + db);
        java.util.List<dev.nervesys.buffer.BufferedRecord> reference;
        double referenceRate;
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 6);
            TestSettings s = KafkaNode.settings(dir, broker)
                    .set("nervesys.kafka.batchRows", batchRows)
                    .set("nervesys.kafka.compression", compression)
                    .set("nervesys.kafka.checkEvery", "10ms")
                    .set("nervesys.clickhouse.url", "http://127.0.0.1:8123")
                    .set("nervesys.clickhouse.database", db);
            try (KafkaNode filler = new KafkaNode(s)) {
                for (int i = 0; i < n; i += 10_000) {
                    KafkaNode.telemetry(filler.buffer(), i, Math.min(10_000, n - i), KafkaSinkTest.RUNS);
                }
                System.out.printf("%,d telemetry records, %,d body bytes in the buffer%n", n, filler.buffer().recordBytes());
                reference = filler.buffer().read(0, n);
            }
            // Kafka's own client on the same records (what kafka-producer-perf-test runs): same producer settings,
            // keys and headers, to a topic of its own, all sent then flushed
            broker.createTopic("reference", 6);
            java.util.Properties props = new KafkaClients(KafkaSettings.from(s.set("nervesys.kafka.compression", compression)))
                    .producerProperties();
            try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                    props, new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                long r0 = System.nanoTime();
                java.util.List<java.util.concurrent.Future<?>> acks = new java.util.ArrayList<>(n);
                for (dev.nervesys.buffer.BufferedRecord r : reference) {
                    org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> pr = new org.apache.kafka.clients.producer.ProducerRecord<>(
                            "reference", "bench/" + RunKey.runId(r.body()), r.body());
                    pr.headers().add(KafkaPublisher.H_META, KafkaPublisher.meta("telemetry:".getBytes(), r.id(), r.receivedAt()));
                    acks.add(p.send(pr));
                }
                p.flush();
                for (java.util.concurrent.Future<?> f : acks) {
                    f.get();
                }
                referenceRate = n / ((System.nanoTime() - r0) / 1e9);
                System.out.printf("  KafkaProducer alone (%s, acks=all, idempotent, same records, keys, headers) %,10.0f records/s%n",
                        compression, referenceRate);
            }
            s.set("nervesys.kafka.publish", "true");
            double kafka;
            reference = null;
            try (KafkaNode agent = new KafkaNode(s, "kafka.camel.yaml")) {
                long t0 = System.nanoTime(); // from the started route (its first tick waits checkEvery)
                while (agent.publisher().pendingRows() > 0) {
                    if (agent.publisher().consecutiveFailures() > 0) {
                        throw new IllegalStateException(agent.publisher().lastError());
                    }
                    Thread.sleep(5);
                }
                kafka = n / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("  buffer -> Kafka (%s, acks=all, idempotent, batches of %s) %,10.0f records/s%n", compression, batchRows,
                        kafka);
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
                System.out.printf("  ratio Kafka / ClickHouse shipper = %.2f, ratio Kafka / KafkaProducer alone = %.2f%n", kafka / ch,
                        kafka / referenceRate);
            }
        } finally {
            admin.execute("DROP DATABASE IF EXISTS " + db);
        }
    }

    /**
     * End to end at a steady rate: an agent (real kafka.camel.yaml) takes {@code rate} records/s into
     * its buffer for {@code seconds}, a sink node (real kafka-sink.camel.yaml) in the same JVM moves
     * them into ClickHouse; the sink's timer nervesys.kafka.sink.latency (agent commit to ClickHouse
     * confirmation) gives the median and p99. The first 2 s are not counted (warm-up), nor 1,000 records sent through before (the sink's group join).
     */
    static void latency(int rate, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("nervesys-kafka-latency");
        String db = "kafka_bench_" + System.nanoTime() % 1_000_000;
        ClickHouseClient admin = new ClickHouseClient("http://127.0.0.1:8123", db, null, null, Duration.ofSeconds(60));
        admin.execute("CREATE DATABASE " + db);
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 6);
            TestSettings agentSettings = KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true")
                    .set("nervesys.kafka.batchRows", "20000").set("nervesys.kafka.checkEvery", "10ms");
            TestSettings sinkSettings = KafkaNode.settings(dir.resolve("sink"), broker)
                    .set("nervesys.clickhouse.url", "http://127.0.0.1:8123").set("nervesys.clickhouse.database", db)
                    .set("nervesys.kafka.sink.maxPollRecords", "20000").set("nervesys.kafka.sink.pollTimeout", "50ms");
            try (KafkaNode agent = new KafkaNode(agentSettings, "kafka.camel.yaml");
                    KafkaNode sink = new KafkaNode(sinkSettings, "kafka-sink.camel.yaml")) {
                io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
                int perTick = rate / 100;
                // the sink joins its group and gets its partitions first: 1,000 records through, not counted
                KafkaNode.telemetry(agent.buffer(), 0, 1000, KafkaSinkTest.RUNS);
                while (sink.sink().insertedRecords() < 1000) {
                    Thread.sleep(20);
                }
                long start = System.nanoTime();
                int sent = 1000;
                for (int tick = 0; tick < seconds * 100; tick++) {
                    if (tick == 200) {
                        sink.sink().bindTo(registry); // counted from here on
                    }
                    long due = start + tick * 10_000_000L;
                    while (System.nanoTime() < due) {
                        Thread.sleep(1);
                    }
                    KafkaNode.telemetry(agent.buffer(), sent, perTick, KafkaSinkTest.RUNS);
                    sent += perTick;
                }
                double fed = (System.nanoTime() - start) / 1e9;
                long publishedAtEnd = agent.publisher().sentRecords() - 1000;
                long insertedAtEnd = sink.sink().insertedRecords() - 1000;
                while (sink.sink().insertedRecords() < sent) {
                    Thread.sleep(50);
                }
                sent -= 1000;
                System.out.printf("fed in %.1f s; when feeding ended: published %,d, in ClickHouse %,d; drained %.1f s later%n", fed,
                        publishedAtEnd, insertedAtEnd, (System.nanoTime() - start) / 1e9 - fed);
                io.micrometer.core.instrument.Timer t = registry.get("nervesys.kafka.sink.latency").timer();
                var p = t.takeSnapshot().percentileValues();
                System.out.printf("%,d records at %,d records/s for %d s (the last %d s counted: %,d records): "
                        + "agent commit -> ClickHouse confirmed median %.0f ms, p99 %.0f ms, max %.0f ms%n", sent, rate, seconds,
                        seconds - 2, t.count(), p[0].value(java.util.concurrent.TimeUnit.MILLISECONDS),
                        p[1].value(java.util.concurrent.TimeUnit.MILLISECONDS), t.max(java.util.concurrent.TimeUnit.MILLISECONDS));
            }
        } finally {
            admin.execute("DROP DATABASE IF EXISTS " + db);
        }
    }
}
