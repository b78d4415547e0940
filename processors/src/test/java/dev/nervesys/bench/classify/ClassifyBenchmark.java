package dev.nervesys.bench.classify;

import dev.nervesys.classify.Classifier;
import dev.nervesys.classify.ClassifierConfig;
import dev.nervesys.classify.CriticalQueue;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Classification rate of the ingest inspector, one thread (docs/benchmarks.md): {@code rules} = the
 * repository's rules only (text classifier off), {@code rules+text} = rules then naive Bayes, on a
 * mix of 16 realistic log records (1 in 8 critical), annotation included. Run from processors/ with
 * the test class path: {@code java -cp $CP org.openjdk.jmh.Main ClassifyBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClassifyBenchmark {

    @Param({"rules", "rules+text"})
    public String mode;

    private Classifier classifier;
    private CriticalQueue critical;
    private byte[][] records;
    private int i;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Path root = Path.of(System.getProperty("nervesys.root", ".."));
        String yaml = Files.readString(root.resolve("config/thresholds.yaml"));
        if (mode.equals("rules")) {
            yaml = yaml.replace("    enabled: true", "    enabled: false");
        }
        ClassifierConfig cfg = ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", yaml), p -> {
            try {
                return Optional.of(Files.readString(root.resolve(p)));
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        });
        critical = new CriticalQueue(cfg, 1 << 20);
        classifier = critical.classifier;
        String[] messages = {
                "request completed in 12 ms", "user 1234 logged in successfully from 10.0.0.4",
                "write failed on /dev/sda1: No space left on device", "scheduled backup completed successfully",
                "cache warmed up with 1200 entries", "slow query took 850 ms on table orders",
                "connection established to upstream db-2", "health check passed",
                "job finished, 340 records processed", "archive uploaded to bucket logs",
                "engine controller lost, emergency stop", "retrying request after short timeout, attempt 2",
                "metrics flushed", "telemetry run started for r-77", "gc pause of 25 ms", "config reloaded, revision applied"};
        String[] levels = {"INFO", "info", "ERROR", "INFO", "DEBUG", "WARN", "INFO", "info", "INFO", "INFO", "FATAL", "WARN",
                "DEBUG", "INFO", "INFO", "INFO"};
        records = new byte[messages.length][];
        for (int k = 0; k < messages.length; k++) {
            records[k] = ("{\"timestamp\":\"2025-12-10T12:00:01.123Z\",\"level\":\"" + levels[k] + "\",\"agent_id\":\"a1\","
                    + "\"action\":\"sync\",\"message\":\"" + messages[k] + "\",\"context\":{\"host\":\"h1\",\"temperature_c\":"
                    + (40 + k) + "}}").getBytes(StandardCharsets.UTF_8);
        }
    }

    @Setup(Level.Iteration)
    public void drain() throws InterruptedException {
        while (!critical.drain().isEmpty()) {
            // keep the critical queue from filling up (a full queue would only count drops)
        }
    }

    @Benchmark
    public void classify(Blackhole bh) {
        bh.consume(classifier.inspect(RecordKind.LOG, records[i++ & 15]));
    }
}
