package dev.nervesys.bootstrap;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Creates the beans of every capability ({@link BeanProvider}s found on the class path), but those of
 * a capability whose add-on jar is missing ({@link AddOn}: its modules are off, or the agent refused
 * to start before this).
 */
public final class BeanFactory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BeanFactory.class);

    private final Map<String, Object> beans = new LinkedHashMap<>();

    public BeanFactory(AgentSettings settings) throws Exception {
        List<BeanProvider> providers = new ArrayList<>();
        Iterator<BeanProvider> found = ServiceLoader.load(BeanProvider.class).iterator();
        while (true) {
            try {
                if (!found.hasNext()) {
                    break;
                }
                BeanProvider provider = found.next();
                if (AddOn.missingFor(provider.getClass().getName()).isPresent()) {
                    skipped(provider.getClass().getName());
                } else {
                    providers.add(provider);
                }
            } catch (ServiceConfigurationError e) {
                // a provider whose class refers to a missing add-on's classes cannot even be constructed;
                // the loader's message names the provider class, and the loader goes on with the next one
                if (AddOn.missingFor(e.getMessage()).isEmpty()) {
                    throw e;
                }
                skipped(e.getMessage());
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
