package dev.nervesys.bootstrap;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Creates the beans of every capability ({@link BeanProvider}s found on the class path). */
public final class BeanFactory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BeanFactory.class);

    private final Map<String, Object> beans = new LinkedHashMap<>();

    public BeanFactory(AgentSettings settings) throws Exception {
        List<BeanProvider> providers = new ArrayList<>();
        ServiceLoader.load(BeanProvider.class).forEach(providers::add);
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
