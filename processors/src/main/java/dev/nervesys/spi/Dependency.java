package dev.nervesys.spi;

/**
 * A bean that watches one external dependency of the agent. The runtime shows every such bean in
 * the {@code dependencies} section of the nervesys dev console and as the metrics
 * {@code nervesys_dependency_*{dependency="..."}}; its health check
 * ({@link DependencyCheck}) stays UP while it is degraded. Must answer fast and without network
 * I/O on every call, or with I/O throttled (a scrape may ask every few seconds).
 */
public interface Dependency {

    /** The name in {@link DependencyState#dependency()}, known without computing the state. */
    String dependencyName();

    DependencyState dependencyState();
}
