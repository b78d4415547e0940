package dev.nervesys.heartbeat;

import dev.nervesys.spi.ConfigCheck;

import java.util.List;
import java.util.Map;

/** Plugs {@link ConfigChecks} (thresholds, classifier rules and examples, alert rules) into validation. */
public final class HeartbeatConfigCheck implements ConfigCheck {

    @Override
    public List<String> check(Map<String, String> files) {
        return ConfigChecks.validate(files);
    }
}
