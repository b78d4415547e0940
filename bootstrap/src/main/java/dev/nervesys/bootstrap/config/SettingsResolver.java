package dev.nervesys.bootstrap.config;

import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.bootstrap.revision.Revision;

import java.util.Map;
import java.util.Properties;

/**
 * Turns a revision into the effective {@link Settings} of this agent. The environment and the JVM
 * flags are fixed for the life of the process; the files come from each revision.
 */
public final class SettingsResolver {

    private final String builtInDefaults;
    private final Map<String, String> environment;
    private final Properties jvmFlags;

    public SettingsResolver(String builtInDefaults, Map<String, String> environment, Properties jvmFlags) {
        this.builtInDefaults = builtInDefaults;
        this.environment = Map.copyOf(environment);
        this.jvmFlags = (Properties) jvmFlags.clone();
    }

    /** The production resolver: defaults from the jar, the real environment and system properties. */
    public static SettingsResolver fromProcess() {
        return new SettingsResolver(EmbeddedSource.defaultProperties(), System.getenv(), System.getProperties());
    }

    /** Settings before any revision is known: enough to find the data dir and the config repo. */
    public Settings bootstrap() {
        return Settings.merge(builtInDefaults, null, Map.of(), environment, jvmFlags);
    }

    /** @throws IllegalArgumentException when a properties file of the revision is malformed */
    public Settings resolve(Revision revision) {
        return Settings.merge(builtInDefaults, revision.applicationProperties(), revision.agentOverlays(),
                environment, jvmFlags).withFiles(revision.files());
    }

    /** The same resolver with one more JVM flag (command line options that stand for a setting). */
    public SettingsResolver withFlag(String key, String value) {
        Properties flags = (Properties) jvmFlags.clone();
        flags.setProperty(key, value);
        return new SettingsResolver(builtInDefaults, environment, flags);
    }

    /**
     * The same resolver with more environment variables, each only where the real environment does
     * not set it (what an orchestrator handed out at enrollment: the real environment still wins).
     */
    public SettingsResolver withEnvironmentDefaults(Map<String, String> defaults) {
        Map<String, String> env = new java.util.HashMap<>(defaults);
        env.putAll(environment);
        return new SettingsResolver(builtInDefaults, env, jvmFlags);
    }

    public Map<String, String> environment() {
        return environment;
    }
}
