package dev.nervesys.spi;

import java.util.List;
import java.util.Map;

/**
 * A capability's long-lived Java beans (the SQLite buffer, codecs, clients), created once when the
 * agent starts and bound by name, so that YAML routes reach them with {@code bean: ref: name} or
 * {@code #name}. Found with {@link java.util.ServiceLoader}: list implementations in
 * {@code META-INF/services/dev.nervesys.spi.BeanProvider}.
 *
 * <p>One provider per capability, in the capability's package (such as
 * {@code dev.nervesys.archive.ArchiveBeans}). A provider that builds on another capability's bean
 * (the classifier on ingest, the heartbeat on the buffer's figures) finds it among the
 * {@code earlier} beans by an spi type ({@link #ofType}), not by name and not by the other
 * capability's class: a capability's package imports only {@code spi}, {@code common} and
 * itself, with the exceptions ArchitectureTest lists (the buffer, which its consumers use as it
 * is). Providers run in {@link #order()}, so that what a provider builds on already exists.
 *
 * <p>Beans live for the whole process: route reloads never recreate them, which is why settings
 * read here need a restart (docs/configuration.md says which). Beans that implement
 * {@link AutoCloseable} are closed when the agent stops, in reverse order of creation (so the
 * buffer, created first, is closed last). Beans that implement {@link StatusReporter} appear in
 * the {@code nervesys} dev console.
 */
public interface BeanProvider {

    /** The record buffer: everything on the data path builds on it. */
    int BUFFER = 10;
    /** Ingest: writes to the buffer. */
    int INGEST = 20;
    /** The archiver: a buffer consumer. */
    int ARCHIVE = 30;
    /** The ClickHouse shipper: a buffer consumer; makes the ClickHouse client runs query. */
    int CLICKHOUSE = 40;
    /** The Kafka publisher and sink: after ClickHouse, whose row encoder the sink uses. */
    int KAFKA = 45;
    /** Runs: queries ClickHouse, hears of runs from the shipper. */
    int RUNS = 50;
    /** The live view: listens to ingest, tells runs, serves the runs API. */
    int LIVE = 60;
    /** Snapshots: share the archiver's S3 client. */
    int SNAPSHOTS = 65;
    /** The classifier: inspects ingest. */
    int CLASSIFY = 70;
    /** Alerts: take the classifier's critical records (through a route, not a bean). */
    int ALERTS = 80;
    /** The heartbeat: reads the figures of the buffer, ingest, the archiver and alerts. */
    int HEARTBEAT = 90;
    /** Capabilities that build on no other's beans (reports, TeleCrunch). */
    int INDEPENDENT = 100;

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

    /** Providers are called in ascending order (the constants above); the default is {@link #INDEPENDENT}. */
    default int order() {
        return INDEPENDENT;
    }

    /**
     * The one earlier bean of this type, or null when there is none (its capability is not on the
     * class path, or a test leaves it out). Two candidates are an error: the wiring would depend
     * on the order of a map.
     */
    static <T> T ofType(Map<String, Object> earlier, Class<T> type) {
        List<T> found = earlier.values().stream().filter(type::isInstance).map(type::cast).distinct().toList();
        if (found.size() > 1) {
            throw new IllegalStateException("more than one earlier bean is a " + type.getSimpleName() + ": "
                    + earlier.entrySet().stream().filter(e -> type.isInstance(e.getValue())).map(Map.Entry::getKey).toList());
        }
        return found.isEmpty() ? null : found.get(0);
    }
}
