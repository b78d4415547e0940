package dev.nervesys.classify;

import dev.nervesys.spi.CriticalRecord;
import dev.nervesys.spi.IngestHooks;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.spi.StatusReporter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code classifier} (docs/classify.md): an ingest inspector that classifies every log record
 * before it is committed to the buffer (and therefore before it is archived), and writes the
 * decision on the record as {@code "classification":{"label":..,"reason":..}}.
 *
 * <p>Order of decision: the rules of config/thresholds.yaml, first match wins; when none matches,
 * the text classifier (naive Bayes trained at start from the examples), whose {@code critical}
 * verdict counts only with a posterior of at least {@code min_confidence}; otherwise
 * {@code normal}. A record without a level, or with a level not in {@link Levels}, is classified
 * as {@code default_level}. Messages longer than {@code max_message_chars} are classified on their
 * beginning; the record itself is stored whole.
 *
 * <p>Critical records are handed to {@code seda:critical-records} ({@link CriticalRecords}), the
 * bounded queue of route {@code classify-critical}, which raises their alerts; never waited for:
 * under pressure the queue folds a storm's records by template, when full they are held back by
 * group beside it (counted, raised with the route's next take), and only while the route is off is
 * the alert dropped (counted); the record is stored all the same. Any failure here leaves the record unannotated (counted) rather than failing the ingest
 * request.
 */
public final class Classifier implements IngestHooks.Inspector, StatusReporter {

    private static final Logger LOG = LoggerFactory.getLogger(Classifier.class);
    static final String NORMAL = "normal";

    /** The outcome for one record. */
    public record Decision(String label, String rule, String reason, byte[] annotation) {
    }

    private final ClassifierConfig cfg;
    private final NaiveBayes bayes;
    private final String[] labels;
    private final int criticalClass;
    private final byte[][][] textAnnotations; // [class][percent]
    private final String[] textReasons = new String[101];
    private final byte[] normalAnnotation;
    private final Decision normal;
    private final CriticalRecords critical;
    private final Clock clock;
    private final ThreadLocal<LogFields> fields;
    private final ThreadLocal<double[]> posterior;
    private final LongAdder classified = new LongAdder();
    private final LongAdder criticalCount = new LongAdder();
    private final LongAdder byText = new LongAdder();
    private final LongAdder defaulted = new LongAdder();
    private final LongAdder truncated = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /**
     * @param critical where critical records go (bean {@code criticalRecords})
     * @param clock    the agent's clock: the time of a critical record
     */
    public Classifier(ClassifierConfig cfg, CriticalRecords critical, Clock clock) {
        this.cfg = cfg;
        this.critical = critical;
        this.clock = clock;
        this.bayes = cfg.textEnabled ? NaiveBayes.train(cfg.examples) : null;
        this.labels = bayes == null ? new String[0] : bayes.labels();
        int crit = -1;
        textAnnotations = new byte[labels.length][101][];
        for (int c = 0; c < labels.length; c++) {
            if (labels[c].equals(cfg.criticalLabel)) {
                crit = c;
            }
            for (int pct = 0; pct <= 100; pct++) {
                textReasons[pct] = "text classifier p=" + String.format(java.util.Locale.ROOT, "%.2f", pct / 100.0);
                textAnnotations[c][pct] = Annotation.bytes(labels[c], textReasons[pct]);
            }
        }
        this.criticalClass = crit;
        this.normalAnnotation = Annotation.bytes(NORMAL, bayes == null ? "no rule matched" : "no rule matched, text classifier below min_confidence");
        this.normal = new Decision(NORMAL, null, "no rule matched", normalAnnotation);
        this.fields = ThreadLocal.withInitial(() -> new LogFields(cfg.fieldPaths, cfg.maxMessageChars));
        int classes = labels.length;
        this.posterior = ThreadLocal.withInitial(() -> new double[classes]);
    }

    @Override
    public byte[] inspect(RecordKind kind, byte[] body) {
        if (kind != RecordKind.LOG) {
            return body;
        }
        try {
            LogFields f = fields.get();
            f.parse(body);
            Decision d = decide(f);
            if (d.label().equals(cfg.criticalLabel)) {
                criticalCount.increment();
                String level = f.level == null || Levels.rank(f.level) == Levels.UNKNOWN ? Levels.name(cfg.defaultRank) : f.level;
                if (!critical.offer(new CriticalRecord(clock.instant(), d.rule(), d.label(), level, f.message, d.reason()))) {
                    dropped.increment();
                }
            }
            return Annotation.insert(body, d.annotation());
        } catch (Exception | StackOverflowError e) {
            failures.increment();
            LOG.debug("classification failed, record stored unannotated: {}", e.toString());
            return body;
        }
    }

    /** Classifies a record without side effects (tests, benchmarks). */
    public Decision classify(byte[] body) throws java.io.IOException {
        LogFields f = new LogFields(cfg.fieldPaths, cfg.maxMessageChars);
        f.parse(body);
        return decide(f);
    }

    private Decision decide(LogFields f) {
        classified.increment();
        int rank = Levels.rank(f.level);
        if (rank == Levels.UNKNOWN) {
            rank = cfg.defaultRank;
            defaulted.increment();
        }
        if (f.truncated) {
            truncated.increment();
        }
        String message = f.message == null ? "" : f.message;
        for (Rule r : cfg.rules) {
            if (r.matches(rank, message, f.values)) {
                return new Decision(r.label, r.name, r.reason, r.annotation);
            }
        }
        if (bayes == null) {
            return normal;
        }
        double[] p = posterior.get();
        int best = bayes.classify(message, p);
        if (best == criticalClass && p[best] < cfg.minConfidence) {
            // not sure enough to alert: the runner-up decides
            best = -1;
            for (int c = 0; c < p.length; c++) {
                if (c != criticalClass && (best < 0 || p[c] > p[best])) {
                    best = c;
                }
            }
        }
        byText.increment();
        int pct = (int) Math.round(p[best] * 100);
        byte[] annotation = textAnnotations[best][pct];
        return new Decision(labels[best], "text", textReasons[pct], annotation);
    }

    @Override
    public String statusName() {
        return "classifier";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rules", cfg.ruleNames());
        m.put("textClassifier", bayes == null ? "off" : bayes.labels().length + " labels, " + bayes.vocabulary() + " tokens");
        m.put("classified", classified.sum());
        m.put("critical", criticalCount.sum());
        m.put("decidedByText", byText.sum());
        m.put("defaultLevelUsed", defaulted.sum());
        m.put("truncatedMessages", truncated.sum());
        m.put("criticalQueued", critical.queued());
        m.put("criticalCoalesced", critical.coalesced());
        m.put("criticalHeld", critical.held());
        m.put("criticalOverflow", critical.overflowed());
        m.put("criticalDropped", dropped.sum());
        m.put("failures", failures.sum());
        return m;
    }
}
