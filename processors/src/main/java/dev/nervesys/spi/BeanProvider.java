package dev.nervesys.spi;

import java.util.Map;

/**
 * A capability's long-lived Java beans (the SQLite buffer, codecs, clients), created once when the
 * agent starts and bound by name, so that YAML routes reach them with {@code bean: ref: name} or
 * {@code #name}. Found with {@link java.util.ServiceLoader}: list implementations in
 * {@code META-INF/services/dev.nervesys.spi.BeanProvider}.
 *
 * <p>Beans live for the whole process: route reloads never recreate them, which is why settings
 * read here need a restart (docs/configuration.md says which). Beans that implement
 * {@link AutoCloseable} are closed when the agent stops, in reverse order of creation. Beans
 * that implement {@link StatusReporter} appear in the {@code nervesys} dev console.
 */
public interface BeanProvider {

    /** Name to bean. Called once at start; must not start threads or open ports. */
    default Map<String, Object> beans(AgentSettings settings) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " implements neither beans method");
    }

    /**
     * Name to bean, for providers that build on the beans of providers called before them (for
     * example a buffer consumer on {@code recordBuffer}). {@code earlier} is read-only.
     */
    default Map<String, Object> beans(AgentSettings settings, Map<String, Object> earlier) throws Exception {
        return beans(settings);
    }

    /** Providers are called in ascending order: the data path (the buffer) is 10, the default 100. */
    default int order() {
        return 100;
    }
}
