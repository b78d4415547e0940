package dev.nervesys.classify;

import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.ConfigCheck;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the classifier's rules for {@code nervesys validate} and the reload: section
 * {@code classify:} of config/thresholds.yaml and the example files it names. The file's syntax
 * is reported once, by the heartbeat's check (the file's other section is its); here a file that
 * does not parse is left alone.
 */
public final class ClassifyConfigCheck implements ConfigCheck {

    @Override
    public List<String> check(Map<String, String> files) {
        String text = files.get(ClassifierConfig.FILE);
        if (text == null) {
            return List.of();
        }
        YamlNode root;
        try {
            root = YamlNode.parse(ClassifierConfig.FILE, text);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        try {
            ClassifierConfig.parse(root, path -> Optional.ofNullable(files.get(path)));
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
    }
}
