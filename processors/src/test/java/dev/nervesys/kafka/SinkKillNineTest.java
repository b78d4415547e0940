package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.buffer.TestSettings;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.testing.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink node in a JVM of its own, killed with SIGKILL while it inserts (small polls, so a kill
 * lands between an insert and its commit now and then), then a second node of the same group takes
 * over: every record in ClickHouse once, none lost, none twice.
 */
class SinkKillNineTest {

    @TempDir
    Path dir;
    private final List<Process> children = new ArrayList<>();

    /** The child: a sink node. args = brokers, ClickHouse URL, database, data dir. */
    public static void main(String[] args) throws Exception {
        TestSettings s = new TestSettings(Path.of(args[3]))
                .set("nervesys.kafka.bootstrapServers", args[0])
                .set("nervesys.clickhouse.url", args[1])
                .set("nervesys.clickhouse.database", args[2])
                .set("nervesys.kafka.sink.maxPollRecords", "300")
                .set("nervesys.kafka.sink.pollTimeout", "100ms")
                .set("nervesys.kafka.sink.sessionTimeout", "6s");
        KafkaNode node = new KafkaNode(s, "kafka-sink.camel.yaml");
        System.out.println("READY " + node.context.getRoutes().size());
        Thread.sleep(Long.MAX_VALUE);
    }

    private Process child(KafkaBroker broker, String db, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), getClass().getName(),
                broker.bootstrapServers(), KafkaSinkTest.CLICKHOUSE, db, dir.resolve(name).toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        children.add(p);
        return p;
    }

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void aSinkKilledMidBatchLosesNothingAndDuplicatesNothing() throws Exception {
        String db = "kafka_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ClickHouseClient ch = new ClickHouseClient(KafkaSinkTest.CLICKHOUSE, db, null, null, Duration.ofSeconds(30));
        ch.execute("CREATE DATABASE " + db);
        int n = 30_000;
        try (KafkaBroker broker = new KafkaBroker()) {
            broker.createTopic("nervesys-telemetry", 4);
            try (KafkaNode agent = new KafkaNode(KafkaNode.settings(dir.resolve("agent"), broker).set("nervesys.kafka.publish", "true"),
                    "kafka.camel.yaml")) {
                KafkaNode.telemetry(agent.buffer(), 0, n, KafkaSinkTest.RUNS);
                await().atMost(Duration.ofSeconds(120)).until(() -> agent.publisher().pendingRows() == 0);
            }
            Process a = child(broker, db, "a");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> count(ch, "SELECT count() FROM " + db + ".events") > 3000);
            a.destroyForcibly().waitFor(); // SIGKILL while it inserts
            long atKill = count(ch, "SELECT count() FROM " + db + ".events");
            assertThat(atKill).as("killed mid-stream").isLessThan(n);

            child(broker, db, "b");
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> count(ch, "SELECT count() FROM " + db + ".events") >= n);
            Thread.sleep(2000);
            assertThat(count(ch, "SELECT count() FROM " + db + ".events")).isEqualTo(n);
            assertThat(count(ch, "SELECT count() FROM (SELECT DISTINCT run_id, buffer_id FROM " + db + ".events)")).isEqualTo(n);
            assertThat(count(ch, "SELECT count() FROM " + db + ".series")).isEqualTo(2L * n);
        } finally {
            ch.execute("DROP DATABASE IF EXISTS " + db);
        }
    }

    private static long count(ClickHouseClient ch, String sql) throws Exception {
        return Long.parseLong(ch.execute(sql).trim());
    }
}
