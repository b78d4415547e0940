package dev.nervesys.classify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.ConfigChecks;
import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.testing.RoutesHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClassifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String file(String path) {
        try {
            return Files.readString(RoutesHarness.repoRoot().resolve(path));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The classifier of the repository's config/thresholds.yaml and examples. */
    static Classifier repoClassifier(int queue) {
        ClassifierConfig cfg = ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", file("config/thresholds.yaml")),
                p -> Optional.of(file(p)));
        return critical(cfg, queue).classifier;
    }

    static Classifier classifier(String yaml) {
        return critical(ClassifierConfig.parse(YamlNode.parse("config/thresholds.yaml", yaml), p -> Optional.empty()), 10).classifier;
    }

    /** Classifiers made here, with the queue their critical records go to. */
    private static final Map<Classifier, CriticalQueue> QUEUES = new java.util.concurrent.ConcurrentHashMap<>();

    private static CriticalQueue critical(ClassifierConfig cfg, int size) {
        try {
            CriticalQueue q = new CriticalQueue(cfg, size);
            QUEUES.put(q.classifier, q);
            return q;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void annotatesLogRecordsWithoutTouchingTheirMembers() throws Exception {
        Classifier c = repoClassifier(10);
        String rec = "{\"timestamp\":\"2025-12-10T12:00:01Z\",\"level\":\"ERROR\",\"agent_id\":\"a1\",\"message\":\"write failed: No space left on device\",\"context\":{\"free\":0}}";
        byte[] out = c.inspect(RecordKind.LOG, b(rec));
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(text).startsWith(rec.substring(0, rec.length() - 1) + ",\"classification\":{");
        JsonNode n = JSON.readTree(out);
        assertThat(n.get("classification").get("label").asText()).isEqualTo("critical");
        assertThat(n.get("classification").get("reason").asText())
                .isEqualTo("rule disk-full: level >= warn and pattern '(?i)no space left on device|disk (is )?full|filesystem (is )?full'");
        assertThat(n.get("context").get("free").asInt()).isZero();
        List<CriticalRecord> queued = QUEUES.get(c).drain();
        assertThat(queued).singleElement().satisfies(r -> {
            assertThat(r.rule()).isEqualTo("disk-full");
            assertThat(r.level()).isEqualTo("ERROR");
            assertThat(r.message()).isEqualTo("write failed: No space left on device");
        });
        // telemetry and points are not classified
        byte[] tel = b("{\"run_id\":\"r\",\"source\":\"s\",\"type\":\"update\",\"frame\":1,\"time\":\"2025-01-01T00:00:00Z\",\"fields\":{}}");
        assertThat(c.inspect(RecordKind.TELEMETRY, tel)).isSameAs(tel);
    }

    @Test
    void rulesLevelsFieldsAndDefaults() throws Exception {
        Classifier c = classifier("""
                classify:
                  default_level: warn
                  rules:
                    - {name: hot, field: context.temperature_c, above: 90}
                    - {name: low-cpu, field: cpu, below: 1, label: idle}
                    - {name: at-least-warn, level: ">= warn", pattern: "boom"}
                """);
        assertThat(c.classify(b("{\"level\":\"info\",\"message\":\"x\",\"context\":{\"temperature_c\":91.5}}")).rule()).isEqualTo("hot");
        assertThat(c.classify(b("{\"level\":\"info\",\"message\":\"x\",\"context\":{\"temperature_c\":90}}")).label()).isEqualTo("normal");
        assertThat(c.classify(b("{\"level\":\"info\",\"message\":\"x\",\"cpu\":0.5}")).label()).isEqualTo("idle");
        // no level, or an unknown one: default_level (warn) applies, so the level condition holds
        assertThat(c.classify(b("{\"message\":\"boom\"}")).rule()).isEqualTo("at-least-warn");
        assertThat(c.classify(b("{\"level\":\"LOUD\",\"message\":\"boom\"}")).rule()).isEqualTo("at-least-warn");
        assertThat(c.classify(b("{\"level\":\"debug\",\"message\":\"boom\"}")).label()).isEqualTo("normal");
        assertThat(c.classify(b("{\"level\":\"Fatal\",\"message\":\"boom\"}")).rule()).isEqualTo("at-least-warn");
        // nested values the rules do not name are skipped, whatever they hold
        assertThat(c.classify(b("{\"level\":\"error\",\"x\":[{\"message\":\"no\"}],\"message\":\"boom\"}")).rule()).isEqualTo("at-least-warn");
        assertThat(c.status()).containsEntry("defaultLevelUsed", 2L);
    }

    @Test
    void hugeMessageIsTruncatedForClassificationNotDropped() {
        Classifier c = classifier("classify:\n  max_message_chars: 100\n  rules:\n    - {name: tail, pattern: 'TAIL'}\n    - {name: head, pattern: 'HEAD'}\n");
        String big = "HEAD " + "x".repeat(5_000_000) + " TAIL";
        byte[] rec = b("{\"level\":\"error\",\"message\":\"" + big + "\"}");
        byte[] out = c.inspect(RecordKind.LOG, rec);
        assertThat(out.length).isGreaterThan(rec.length);
        assertThat(new String(out, StandardCharsets.UTF_8)).contains(big).contains("\"reason\":\"rule head: pattern 'HEAD'\"");
        assertThat(c.status()).containsEntry("truncatedMessages", 1L);
    }

    @Test
    void fullQueueHoldsBackAndCountsInsteadOfBlockingOrDropping() {
        Classifier c = classifier("classify:\n  rules:\n    - {name: all, pattern: '.'}\n");
        for (int i = 0; i < 25; i++) {
            // 25 different templates (letters only): the queue (10) folds none of them into another
            c.inspect(RecordKind.LOG, b("{\"level\":\"error\",\"message\":\"m" + (char) ('a' + i) + "\"}"));
        }
        assertThat(c.status()).containsEntry("critical", 25L).containsEntry("criticalQueued", 10)
                .containsEntry("criticalHeld", 15L).containsEntry("criticalOverflow", 0L).containsEntry("criticalDropped", 0L);
    }

    @Test
    void withoutTheRouteTheAlertIsDroppedAndCounted() throws Exception {
        ClassifierConfig cfg = ClassifierConfig.parse(YamlNode.parse(ClassifierConfig.FILE,
                "classify:\n  rules:\n    - {name: all, pattern: '.'}\n"), p -> Optional.empty());
        Classifier c = new Classifier(cfg, new CriticalRecords(), java.time.Clock.systemUTC()); // route classify-critical not running
        byte[] rec = b("{\"level\":\"error\",\"message\":\"disk gone\"}");
        assertThat(new String(c.inspect(RecordKind.LOG, rec), StandardCharsets.UTF_8)).contains("\"label\":\"critical\"");
        assertThat(c.status()).containsEntry("critical", 1L).containsEntry("criticalHeld", 0L).containsEntry("criticalDropped", 1L);
    }

    @Test
    void brokenRecordStaysUnannotated() {
        Classifier c = classifier("classify:\n  rules:\n    - {name: all, pattern: '.'}\n");
        byte[] odd = b("{\"level\":\"error\",\"message\":");
        assertThat(c.inspect(RecordKind.LOG, odd)).isSameAs(odd);
        assertThat(c.status()).containsEntry("failures", 1L);
    }

    @Test
    void badRulesAreRejectedWithLines() {
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "classify:\n  rules:\n    - name: x\n      pattern: '(('\n")))
                .singleElement().asString().startsWith("config/thresholds.yaml:4: bad pattern: ");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "classify:\n  rules:\n    - name: x\n      level: '>= loud'\n")))
                .singleElement().asString().startsWith("config/thresholds.yaml:4: unknown level in '>= loud'");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "classify:\n  rules:\n    - name: x\n")))
                .containsExactly("config/thresholds.yaml:3: rule 'x' has no condition (level, pattern or field)");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "classify:\n  default_level: loud\n")))
                .singleElement().asString().startsWith("config/thresholds.yaml:2: unknown level 'loud'");
        assertThat(ConfigChecks.validate(Map.of("config/thresholds.yaml", "classify:\n  rulez: []\n")))
                .singleElement().asString().startsWith("config/thresholds.yaml:2: unknown key 'rulez'");
    }

    /** Precision and recall of the repository's classifier on the labelled test set (never trained on). */
    @Test
    void precisionAndRecallOnTheHeldOutTestSet() throws Exception {
        Classifier rulesAndText = repoClassifier(1);
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int tn = 0;
        List<String> lines = Files.readAllLines(RoutesHarness.repoRoot().resolve("processors/src/test/resources/classify/test-set.tsv"));
        List<String> trained = rulesAndText.status().isEmpty() ? List.of() : List.of(file("config/classifier/critical.txt"), file("config/classifier/normal.txt"));
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] parts = line.split("\t", 2);
            // kept apart: no test message is a training example
            assertThat(trained).noneMatch(t -> t.lines().anyMatch(l -> l.strip().equalsIgnoreCase(parts[1].strip())));
            String rec = JSON.writeValueAsString(Map.of("level", "info", "message", parts[1]));
            boolean predicted = rulesAndText.classify(b(rec)).label().equals("critical");
            boolean actual = parts[0].equals("critical");
            if (predicted && actual) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (actual) {
                fn++;
            } else {
                tn++;
            }
        }
        double precision = tp / (double) (tp + fp);
        double recall = tp / (double) (tp + fn);
        System.out.printf("classifier on test set: tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f%n", tp, fp, fn, tn, precision, recall);
        assertThat(tp + fp + fn + tn).isEqualTo(80);
        assertThat(precision).isGreaterThanOrEqualTo(0.9);
        assertThat(recall).isGreaterThanOrEqualTo(0.8);
    }
}
