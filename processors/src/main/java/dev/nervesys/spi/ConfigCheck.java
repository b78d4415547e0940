package dev.nervesys.spi;

import java.util.List;
import java.util.Map;

/**
 * Checks a capability's config files (config/thresholds.yaml, config/alerts.yaml, ...) in a whole
 * revision, so that {@code nervesys validate} and the reload reject a bad one before it is used.
 * Found with {@link java.util.ServiceLoader}: list implementations in
 * {@code META-INF/services/dev.nervesys.spi.ConfigCheck}.
 */
public interface ConfigCheck {

    /**
     * @param files every file of the revision: path in the config repo to its text
     * @return problems as {@code file:line: reason} (or {@code file: reason}), empty when fine
     */
    List<String> check(Map<String, String> files);
}
