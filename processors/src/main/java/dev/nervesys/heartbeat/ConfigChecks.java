package dev.nervesys.heartbeat;

import dev.nervesys.alerts.AlertsConfig;
import dev.nervesys.classify.ClassifierConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the config files of issue 5 in a revision, for {@code nervesys validate} and the reload:
 * config/thresholds.yaml (status thresholds, classifier rules, the example files it names) and
 * config/alerts.yaml. A missing file is fine (built-in defaults apply); a bad one is reported as
 * {@code file:line: reason}.
 */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** files: path in the config repo to its text (the whole revision). Returns the problems, empty when fine. */
    public static List<String> validate(Map<String, String> files) {
        List<String> problems = new ArrayList<>();
        String thresholds = files.get(StatusThresholds.FILE);
        if (thresholds != null) {
            try {
                YamlNode root = YamlNode.parse(StatusThresholds.FILE, thresholds);
                root.allowOnly("status", "classify");
                StatusThresholds.parse(root);
                ClassifierConfig.parse(root, path -> Optional.ofNullable(files.get(path)));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        String alerts = files.get(AlertsConfig.FILE);
        if (alerts != null) {
            try {
                AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, alerts), env -> Optional.empty());
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }
}
