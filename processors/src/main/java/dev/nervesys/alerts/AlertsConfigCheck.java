package dev.nervesys.alerts;

import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.ConfigCheck;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks config/alerts.yaml for {@code nervesys validate} and the reload (secrets are not looked
 * up here: a channel's variables are read from the environment at start). A missing file is fine
 * (no channels); a bad one is reported as {@code file:line: reason}.
 */
public final class AlertsConfigCheck implements ConfigCheck {

    @Override
    public List<String> check(Map<String, String> files) {
        String text = files.get(AlertsConfig.FILE);
        if (text == null) {
            return List.of();
        }
        try {
            AlertsConfig.parse(YamlNode.parse(AlertsConfig.FILE, text), env -> Optional.empty());
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
    }
}
