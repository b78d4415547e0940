package dev.nervesys.classify;

import dev.nervesys.common.BuiltinConfig;
import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.IngestHooks;
import java.util.Map;

/**
 * The classifier's bean (docs/classify.md): {@code classifier}, an inspector of every record
 * ingest accepts (when {@code nervesys.classify.enabled}); route classify-critical hands its
 * critical records to the alerts. Reads section {@code classify:} of config/thresholds.yaml (the
 * built-in copy when the repo has none) once: a change needs a restart.
 */
public final class ClassifyBeans implements BeanProvider {

    @Override
    public int order() {
        return CLASSIFY;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        String text = s.configFile(ClassifierConfig.FILE).orElseGet(() -> BuiltinConfig.text("thresholds.yaml"));
        ClassifierConfig classify = ClassifierConfig.parse(YamlNode.parse(ClassifierConfig.FILE, text), s::configFile);
        ClassifySettings cs = ClassifySettings.from(s);
        CriticalRecords criticalRecords = new CriticalRecords(); // route policy of classify-critical: the hand-off to it
        Classifier classifier = new Classifier(classify, criticalRecords, s.clock());
        IngestHooks.Pipeline ingest = BeanProvider.ofType(earlier, IngestHooks.Pipeline.class);
        if (cs.enabled() && ingest != null) {
            ingest.addInspector(classifier);
        }
        return Map.of("classifier", classifier, "criticalRecords", criticalRecords);
    }
}
