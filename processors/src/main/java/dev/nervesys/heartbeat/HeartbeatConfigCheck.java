package dev.nervesys.heartbeat;

import dev.nervesys.common.YamlNode;
import dev.nervesys.spi.ConfigCheck;
import java.util.List;
import java.util.Map;

/**
 * Checks config/thresholds.yaml for {@code nervesys validate} and the reload: its syntax, its
 * top-level sections ({@code status}, this capability's, and {@code classify}, which the
 * classifier's own check reads) and the status thresholds. A missing file is fine (built-in
 * defaults apply); a bad one is reported as {@code file:line: reason}.
 */
public final class HeartbeatConfigCheck implements ConfigCheck {

    @Override
    public List<String> check(Map<String, String> files) {
        String thresholds = files.get(StatusThresholds.FILE);
        if (thresholds == null) {
            return List.of();
        }
        try {
            YamlNode root = YamlNode.parse(StatusThresholds.FILE, thresholds);
            root.allowOnly("status", "classify");
            StatusThresholds.parse(root);
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
    }
}
