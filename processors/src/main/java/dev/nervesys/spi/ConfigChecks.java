package dev.nervesys.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every capability's {@link ConfigCheck} (found with {@link ServiceLoader}) run on one revision:
 * what {@code nervesys validate} and the reload report about config files.
 */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** files: path in the config repo to its text (the whole revision). Returns the problems, empty when fine. */
    public static List<String> validate(Map<String, String> files) {
        List<String> problems = new ArrayList<>();
        for (ConfigCheck check : ServiceLoader.load(ConfigCheck.class)) {
            problems.addAll(check.check(files));
        }
        return problems;
    }
}
