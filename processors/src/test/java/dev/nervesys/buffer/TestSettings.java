package dev.nervesys.buffer;

import dev.nervesys.spi.AgentSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** AgentSettings for tests: properties and a fake environment as maps. */
public final class TestSettings implements AgentSettings {

    private final Map<String, String> props = new HashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private final Path dataDir;
    private Clock clock = Clock.systemUTC();

    /**
     * Settings with the ingest on a free port of 127.0.0.1 unless a test sets one: a test never
     * depends on 8086 being free (builds on the same machine run side by side).
     */
    public TestSettings(Path dataDir) {
        this.dataDir = dataDir;
        props.put("nervesys.ingest.host", "127.0.0.1");
        try {
            props.put("nervesys.ingest.port", String.valueOf(DataPathHarness.freePort()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public TestSettings set(String key, Object value) {
        props.put(key, String.valueOf(value));
        return this;
    }

    public TestSettings env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** The clock every bean made from these settings reads "now" from. */
    public TestSettings clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /**
     * Properties for a context that runs the real route files: every declared default, then
     * {@code given}, as the agent hands them to routes (durations in milliseconds, renamed keys
     * carried over), since the routes repeat no defaults.
     */
    public static java.util.Properties routeProperties(java.util.Properties given) {
        Map<String, String> values = new HashMap<>();
        given.forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
        java.util.Properties p = new java.util.Properties();
        p.putAll(dev.nervesys.spi.Declarations.routeProperties(values));
        return p;
    }

    public Map<String, String> properties() {
        return props;
    }

    @Override
    public Optional<String> find(String key) {
        return Optional.ofNullable(props.get(key)).filter(v -> !v.isEmpty());
    }

    @Override
    public Optional<String> secret(String environmentVariable) {
        return Optional.ofNullable(env.get(environmentVariable)).filter(v -> !v.isEmpty());
    }

    @Override
    public String agentId() {
        return "test-agent";
    }

    @Override
    public String server() {
        return props.getOrDefault("nervesys.server", "test-server");
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }
}
