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
    Map<String, Object> beans(AgentSettings settings) throws Exception;
}
