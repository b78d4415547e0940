package dev.nervesys.bootstrap;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Creates the beans of every capability ({@link BeanProvider}s named in the class path's service files), but those of
 * a capability whose add-on jar is missing ({@link AddOn}: its modules are off, or the agent refused
 * to start before this).
 */
public final class BeanFactory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BeanFactory.class);

    private final Map<String, Object> beans = new LinkedHashMap<>();

    public BeanFactory(AgentSettings settings) throws Exception {
        List<BeanProvider> providers = new ArrayList<>();
        for (String name : providerNames()) {
            // a capability whose add-on jar is missing is passed over by name, before its class is loaded: how a
            // provider that refers to the missing classes fails differs between JDKs (Java 17's ServiceLoader
            // wraps it in a ServiceConfigurationError, Java 25's lets the NoClassDefFoundError through)
            if (AddOn.missingFor(name).isPresent()) {
                skipped(name);
                continue;
            }
            try {
                providers.add((BeanProvider) Class.forName(name, true, BeanFactory.class.getClassLoader())
                        .getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalStateException("bean provider " + name + " (" + SERVICES + ") cannot be made: " + e, e);
            }
        }
        providers.sort(Comparator.comparingInt(BeanProvider::order));
        for (BeanProvider provider : providers) {
            Map<String, Object> provided;
            try {
                provided = provider.beans(settings, Collections.unmodifiableMap(beans));
            } catch (Exception | Error e) {
                close();
                throw e;
            }
            for (Map.Entry<String, Object> e : provided.entrySet()) {
                if (beans.putIfAbsent(e.getKey(), e.getValue()) != null) {
                    close();
                    throw new IllegalStateException("bean name '" + e.getKey() + "' is provided twice (again by "
                            + provider.getClass().getName() + ")");
                }
            }
        }
    }

    private static final String SERVICES = "META-INF/services/" + BeanProvider.class.getName();

    /** The provider classes the class path's {@value #SERVICES} files name, in class path order, each once. */
    static List<String> providerNames() throws IOException {
        Set<String> names = new LinkedHashSet<>();
        Enumeration<URL> files = BeanFactory.class.getClassLoader().getResources(SERVICES);
        while (files.hasMoreElements()) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(files.nextElement().openStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    int hash = line.indexOf('#');
                    String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
                    if (!name.isEmpty()) {
                        names.add(name);
                    }
                }
            }
        }
        return new ArrayList<>(names);
    }

    private static void skipped(String provider) {
        LOG.debug("Beans not created, their add-on jar is missing: {}", provider);
    }

    public Map<String, Object> beans() {
        return Collections.unmodifiableMap(beans);
    }

    public <T> List<T> beansOfType(Class<T> type) {
        return beans.values().stream().filter(type::isInstance).map(type::cast).distinct().toList();
    }

    @Override
    public void close() {
        List<Object> reverse = new ArrayList<>(beans.values());
        Collections.reverse(reverse);
        for (Object bean : reverse.stream().distinct().toList()) {
            if (bean instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("Closing {} failed: {}", bean.getClass().getSimpleName(), e.getMessage());
                }
            }
        }
        beans.clear();
    }
}
