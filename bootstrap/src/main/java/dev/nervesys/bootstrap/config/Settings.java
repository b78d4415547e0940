package dev.nervesys.bootstrap.config;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Declarations;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The effective settings of one agent for one config revision, merged from the layers of the
 * configuration contract, lowest first: built-in defaults, config/application.properties,
 * config/agents/&lt;agent-id&gt;.properties, environment variables, JVM flags.
 *
 * <p>An environment variable overrides a key when it is named like the key upper-cased with dots
 * and dashes turned into underscores ({@code nervesys.ingest.port} - {@code NERVESYS_INGEST_PORT}).
 * Only keys that some file defines can be overridden that way, which is why every setting has a
 * default in config/application.properties.
 *
 * <p>Keys renamed since (declared with {@link dev.nervesys.spi.Setting#renamedFrom}) still work in
 * every layer: their values are carried over to the new names, with a warning logged once.
 *
 * <p>Keys read through {@link #find} are remembered, so that tests can check that beans read only
 * keys declared as read by beans.
 */
public final class Settings implements AgentSettings {

    public static final String AGENT_ID = "nervesys.agentId";
    public static final String SERVER = "nervesys.server";
    public static final String DATA_DIR = "nervesys.dataDir";
    /** Settings that hold secrets (the environment variable of the same name takes precedence); never given to Camel. */
    public static final Set<String> SECRET_KEYS = Set.of("nervesys.ingest.tokens");

    private final Map<String, String> values;
    private final Map<String, String> environment;
    private final Map<String, String> files;
    private final Set<String> readKeys = ConcurrentHashMap.newKeySet();
    private final Set<String> readFiles = ConcurrentHashMap.newKeySet();
    private final String agentId;
    private final String server;

    private Settings(Map<String, String> values, Map<String, String> environment, Map<String, String> files) {
        this.values = Collections.unmodifiableMap(values);
        this.environment = environment;
        this.files = files;
        this.agentId = nonEmpty(values.get(AGENT_ID)).orElseGet(Settings::hostName);
        this.server = nonEmpty(values.get(SERVER)).orElseGet(Settings::hostName);
    }

    /**
     * Merges the layers.
     *
     * @param defaults      built-in defaults (the application.properties embedded in the jar)
     * @param application   the revision's config/application.properties, or null
     * @param agentOverlays the revision's config/agents/*.properties by agent id
     * @param environment   environment variables (System.getenv() in production)
     * @param jvmFlags      system properties (System.getProperties() in production)
     */
    public static Settings merge(String defaults, String application, Map<String, String> agentOverlays,
                                 Map<String, String> environment, Properties jvmFlags) {
        Map<String, String> merged = new TreeMap<>();
        merged.putAll(parse("built-in defaults", defaults));
        merged.putAll(carryOver("config/application.properties", application));
        // the agent id decides which overlay applies, so it is resolved from every layer but the overlay
        String agentId = resolveAgentId(merged, environment, jvmFlags);
        String overlay = agentOverlays.get(agentId);
        merged.putAll(carryOver("config/agents/" + agentId + ".properties", overlay));
        for (String key : Set.copyOf(merged.keySet())) {
            String env = environment.get(environmentName(key));
            if (env != null) {
                merged.put(key, env);
            }
        }
        // a renamed key set in the environment under its old name (NERVESYS_ARCHIVE_CHECKEVERYMS)
        Map<String, String> oldInEnvironment = new TreeMap<>();
        Declarations.renamed().keySet().forEach(old -> {
            String env = environment.get(environmentName(old));
            if (env != null) {
                oldInEnvironment.put(old, env);
            }
        });
        Declarations.carryOverRenamed(oldInEnvironment, "environment").forEach((key, value) -> {
            if (!oldInEnvironment.containsKey(key) && environment.get(environmentName(key)) == null) {
                merged.put(key, value);
            }
        });
        Map<String, String> flags = new TreeMap<>();
        for (String key : jvmFlags.stringPropertyNames()) {
            if (key.startsWith("nervesys.") || key.startsWith("camel.") || merged.containsKey(key)) {
                flags.put(key, jvmFlags.getProperty(key));
            }
        }
        merged.putAll(Declarations.carryOverRenamed(flags, "JVM flags"));
        merged.put(AGENT_ID, agentId);
        return new Settings(merged, environment, Map.of());
    }

    /** The same settings, able to hand out the files of the revision they were read from. */
    public Settings withFiles(Map<String, String> revisionFiles) {
        return new Settings(values, environment, Map.copyOf(revisionFiles));
    }

    @Override
    public Optional<String> configFile(String path) {
        String normalized = path.startsWith("./") ? path.substring(2) : path;
        readFiles.add(normalized);
        return Optional.ofNullable(files.get(normalized));
    }

    private static String resolveAgentId(Map<String, String> fileValues, Map<String, String> environment,
                                         Properties jvmFlags) {
        return nonEmpty(jvmFlags.getProperty(AGENT_ID))
                .or(() -> nonEmpty(environment.get(environmentName(AGENT_ID))))
                .or(() -> nonEmpty(fileValues.get(AGENT_ID)))
                .orElseGet(Settings::hostName);
    }

    /** {@code nervesys.ingest.port} - {@code NERVESYS_INGEST_PORT}. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** A file's keys, with the values of renamed keys carried over to their new names. */
    private static Map<String, String> carryOver(String name, String text) {
        return Declarations.carryOverRenamed(parse(name, text), name);
    }

    /** Parses properties text; a malformed file is reported with its name. */
    public static Map<String, String> parse(String name, String text) {
        if (text == null) {
            return Map.of();
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            out.put(key, p.getProperty(key).trim());
        }
        return out;
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public Optional<String> find(String key) {
        readKeys.add(key);
        if (values.containsKey(key)) {
            return nonEmpty(values.get(key));
        }
        // a key no properties file defines (nervesys.modules.<name> of a module added by the config
        // repo, say) can still be set from the environment: without this, NERVESYS_MODULES_X=false
        // was silently ignored while -Dnervesys.modules.x=false worked
        return key.startsWith("nervesys.") ? nonEmpty(environment.get(environmentName(key))) : Optional.empty();
    }

    @Override
    public Optional<String> secret(String environmentVariable) {
        return nonEmpty(environment.get(environmentVariable));
    }

    @Override
    public String agentId() {
        return agentId;
    }

    @Override
    public String server() {
        return server;
    }

    @Override
    public Path dataDir() {
        return Path.of(get(DATA_DIR, "./data")).toAbsolutePath().normalize();
    }

    /** All merged values, for the Camel properties component. */
    public Map<String, String> values() {
        return values;
    }

    /**
     * The values as routes see them ({@code {{key}}}, {@code ${properties:key}}): declared
     * durations in milliseconds and sizes in bytes, the plain numbers every Camel option of time
     * or size reads alike ({@link Declarations#routeValue}).
     */
    public Map<String, String> routeValues() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, Declarations.routeValue(k, v)));
        return out;
    }

    /**
     * The properties Camel sees: the route values without {@link #SECRET_KEYS}, since Camel's
     * properties console masks only the key names it knows ({@code token}, {@code password}, ...),
     * and no route needs them.
     */
    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(camelValues());
        p.put(SERVER, server);
        return p;
    }

    /** The merged values without {@link #SECRET_KEYS}, for Camel's properties component. */
    public Map<String, String> camelValues() {
        Map<String, String> out = new TreeMap<>(routeValues());
        SECRET_KEYS.forEach(out::remove);
        return out;
    }

    /** The files of the revision these settings come from (no read tracking). */
    public Map<String, String> revisionFiles() {
        return files;
    }

    /** Config files (asked for, present or not) that beans have read so far. */
    public Set<String> readFiles() {
        return Set.copyOf(readFiles);
    }

    /** Keys that beans or the bootstrap have read so far. */
    public Set<String> readKeys() {
        return Set.copyOf(readKeys);
    }

    public Map<String, String> environment() {
        return environment;
    }
}
