package dev.nervesys.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The effective configuration of an agent, as the bootstrap resolved it (built-in defaults,
 * config/application.properties, config/agents/&lt;agent-id&gt;.properties, environment, JVM flags).
 * Secrets never come through {@link #get}: they are read from the environment with {@link #secret}.
 */
public interface AgentSettings {

    /** The value of a setting, or empty when no layer defines it (or defines it empty). */
    Optional<String> find(String key);

    default String get(String key, String defaultValue) {
        return find(key).orElse(defaultValue);
    }

    /** @throws IllegalArgumentException naming the key and the value when it is not a whole number (so do the others) */
    default int getInt(String key, int defaultValue) {
        return find(key).map(v -> parse(key, v, t -> Integer.parseInt(t.trim()), "a whole number")).orElse(defaultValue);
    }

    default long getLong(String key, long defaultValue) {
        return find(key).map(v -> parse(key, v, t -> Long.parseLong(t.trim()), "a whole number")).orElse(defaultValue);
    }

    default boolean getBoolean(String key, boolean defaultValue) {
        return find(key).map(String::trim).map(Boolean::parseBoolean).orElse(defaultValue);
    }

    /** Sizes such as {@code 100MB}, {@code 512KB}, {@code 10485760}. */
    default long getBytes(String key, long defaultValue) {
        return find(key).map(v -> parse(key, v, Sizes::parseBytes, "a size (1048576, 512KB, 100MB, 1GB)")).orElse(defaultValue);
    }

    /** Durations such as {@code 10m}, {@code 30s}, {@code 500ms}, {@code 1m30s}, {@code PT10M}; a plain number is rejected ({@link Sizes#parseDuration}). */
    default Duration getDuration(String key, Duration defaultValue) {
        return find(key).map(v -> parse(key, v, Sizes::parseDuration, "a duration (500ms, 30s, 10m, 1h, 1d, PT10M)")).orElse(defaultValue);
    }

    /**
     * The value of a declared setting: its key, else an earlier name of it (carried over), else
     * empty. The typed getters below add the declared default.
     */
    default Optional<String> find(Setting setting) {
        Optional<String> v = find(setting.key());
        if (v.isPresent()) {
            return v;
        }
        for (Setting.Rename r : setting.renamedFrom()) {
            Optional<String> old = find(r.oldKey());
            if (old.isPresent()) {
                return old.map(r::carryOver);
            }
        }
        return Optional.empty();
    }

    /** The value of a declared setting, or its default (empty when it has none). */
    default String get(Setting setting) {
        return find(setting).orElse(setting.defaultValue());
    }

    default int getInt(Setting setting) {
        return parse(setting.key(), get(setting), t -> Integer.parseInt(t.trim()), "a whole number");
    }

    default long getLong(Setting setting) {
        return parse(setting.key(), get(setting), t -> Long.parseLong(t.trim()), "a whole number");
    }

    default double getDouble(Setting setting) {
        return parse(setting.key(), get(setting), t -> Double.parseDouble(t.trim()), "a number");
    }

    default boolean getBoolean(Setting setting) {
        return Boolean.parseBoolean(get(setting).trim());
    }

    default long getBytes(Setting setting) {
        return parse(setting.key(), get(setting), Sizes::parseBytes, "a size (1048576, 512KB, 100MB, 1GB)");
    }

    default Duration getDuration(Setting setting) {
        return parse(setting.key(), get(setting), Sizes::parseDuration, "a duration (500ms, 30s, 10m, 1m30s, 1h, 1d, PT10M)");
    }

    /** A bad value is named with its key, so that a person knows which setting to fix. */
    private static <T> T parse(String key, String value, java.util.function.Function<String, T> parser, String expected) {
        try {
            return parser.apply(value);
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new IllegalArgumentException(key + "=" + value + " is not " + expected, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /** A secret, from the environment only (never from a file in the repository). */
    Optional<String> secret(String environmentVariable);

    /**
     * The text of a file of the applied config revision, by its path in the config repo
     * ({@code config/thresholds.yaml}, {@code config/schemas/engine.yaml}). Capabilities read their
     * config files through this, never from the working directory: in Git mode the agent has no
     * work tree, and the file must be the one of the revision the settings come from.
     */
    default Optional<String> configFile(String path) {
        return Optional.empty();
    }

    /**
     * Where every capability reads "now": the system clock in UTC on an agent, a fixed or
     * hand-advanced clock in tests, so that nothing depends on today's date or the machine's zone.
     */
    default Clock clock() {
        return Clock.systemUTC();
    }

    String agentId();

    String server();

    /** Where the agent keeps its state: checkouts, the buffer, local archives. */
    Path dataDir();
}
