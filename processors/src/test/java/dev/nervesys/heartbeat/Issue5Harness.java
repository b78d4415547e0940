package dev.nervesys.heartbeat;

import dev.nervesys.buffer.DataPathBeans;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.spi.AgentSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * The real routes of issue 5 (and ingest) in a DefaultCamelContext with the beans of the data path
 * and of {@link HeartbeatBeans}, wired the way the runtime wires them. Config files come from the
 * repository's config/ unless a test overrides them.
 */
public final class Issue5Harness implements AutoCloseable {

    /** AgentSettings with config files: overrides first, then the repository's files. */
    public static final class Settings implements AgentSettings {
        public final Map<String, String> props = new HashMap<>();
        public final Map<String, String> env = new HashMap<>();
        public final Map<String, String> files = new HashMap<>();
        private final Path dataDir;
        private final String agentId;

        public Settings(Path dataDir, String agentId) {
            this.dataDir = dataDir;
            this.agentId = agentId;
            props.put("nervesys.heartbeat.interval", "300ms");
            props.put("nervesys.heartbeat.flushEvery", "200ms");
            props.put("nervesys.heartbeat.firstDelay", "0s");
            props.put("nervesys.heartbeat.backoffInitial", "200ms");
            props.put("nervesys.heartbeat.backoffMax", "400ms");
            props.put("nervesys.alerts.dispatchEvery", "50ms");
            props.put("nervesys.archive.checkEveryMs", "3600000");
        }

        public Settings set(String k, String v) {
            props.put(k, v);
            return this;
        }

        @Override
        public Optional<String> find(String key) {
            return Optional.ofNullable(props.get(key)).filter(v -> !v.isEmpty());
        }

        @Override
        public Optional<String> secret(String name) {
            return Optional.ofNullable(env.get(name)).filter(v -> !v.isEmpty());
        }

        @Override
        public Optional<String> configFile(String path) {
            if (files.containsKey(path)) {
                return Optional.ofNullable(files.get(path));
            }
            Path p = repoRoot().resolve(path);
            try {
                return Files.exists(p) ? Optional.of(Files.readString(p)) : Optional.empty();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String agentId() {
            return agentId;
        }

        @Override
        public String server() {
            return "srv-" + agentId;
        }

        @Override
        public Path dataDir() {
            return dataDir;
        }
    }

    public final CamelContext context;
    public final Map<String, Object> beans = new LinkedHashMap<>();

    public Issue5Harness(Settings settings, Map<String, Object> extraBeans, String... routeFiles) throws Exception {
        beans.putAll(new DataPathBeans().beans(settings, Map.of()));
        beans.putAll(new HeartbeatBeans().beans(settings, Collections.unmodifiableMap(new LinkedHashMap<>(beans))));
        beans.putAll(extraBeans);
        context = new DefaultCamelContext();
        try {
            beans.forEach(context.getRegistry()::bind);
            Properties p = new Properties();
            p.putAll(settings.props);
            context.getPropertiesComponent().setInitialProperties(p);
            List<Resource> resources = new ArrayList<>();
            for (String f : routeFiles) {
                Path file = repoRoot().resolve("routes").resolve(f);
                resources.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(resources);
            context.start();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T bean(String name) {
        return (T) beans.get(name);
    }

    public static Path repoRoot() {
        return DataPathHarness.routesDir().getParent();
    }

    @Override
    public void close() {
        context.stop();
        DataPathHarness.closeInReverse(beans.values());
    }
}
