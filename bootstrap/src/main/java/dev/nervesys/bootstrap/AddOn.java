package dev.nervesys.bootstrap;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Role;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The add-on jars beside nervesys.jar (docs/operations.md, "Add-on jars"): the heavy libraries only
 * some modules use are shipped as {@code lib/nervesys-<name>.jar} beside the core jar. The Kafka one
 * is named in the core jar's manifest {@code Class-Path} (bootstrap/pom.xml), so that {@code java -jar
 * nervesys.jar} and bin/nervesys load it when it is there; the reports one is {@link #lazy}: added to
 * the class path ({@link #attach}, through {@link AddOnAgent}) only when the agent starts with module
 * reports on, or for the {@code report} command, because its mere presence on the class path cost an
 * idle agent about 8 MB and most of a second of its start (every class or resource lookup that misses
 * the core jar opens and indexes it). A revision that switches reports on in a running agent that did
 * not load it leaves the module's routes out and asks for a restart ({@link #leftOut}, ConfigSync's
 * "restart needed"). Without the jar, the modules that need it cannot run:
 * the agent refuses to start while such a module is on, in one line that says which jar is missing
 * ({@link #refusal}); a revision that switches such a module on is rejected with the same line; the
 * beans of the add-on's capability are not created ({@link BeanFactory}); modules that are off
 * never notice.
 */
public enum AddOn {

    /** Module reports and the report command: quartz, Google Drive, POI, PDFBox, JFreeChart. */
    REPORTS("lib/nervesys-reports.jar", true, List.of("reports"), "dev.nervesys.reports.",
            List.of("org.apache.camel.component.quartz.QuartzComponent", "org.quartz.Scheduler",
                    "org.apache.camel.component.google.drive.GoogleDriveComponent",
                    "com.google.api.services.drive.Drive", "org.apache.poi.xssf.usermodel.XSSFWorkbook",
                    "org.apache.pdfbox.pdmodel.PDDocument", "org.jfree.chart.JFreeChart")),

    /** Modules kafka and kafka-sink: camel-kafka, kafka-clients, snappy. */
    KAFKA("lib/nervesys-kafka.jar", false, List.of("kafka", "kafka-sink"), "dev.nervesys.kafka.",
            List.of("org.apache.camel.component.kafka.KafkaComponent", "org.apache.kafka.clients.producer.KafkaProducer"));

    private static final Logger LOG = LoggerFactory.getLogger(AddOn.class);

    private final String jar;
    private final boolean lazy;
    private final List<String> modules;
    private final String capabilityPackage;
    private final List<String> probes;
    private volatile Boolean present;

    AddOn(String jar, boolean lazy, List<String> modules, String capabilityPackage, List<String> probes) {
        this.jar = jar;
        this.lazy = lazy;
        this.modules = modules;
        this.capabilityPackage = capabilityPackage;
        this.probes = probes;
    }

    /** Its path relative to nervesys.jar's directory, as the manifest's Class-Path names it. */
    public String jar() {
        return jar;
    }

    /** Whether it is added to the class path only when one of its modules is on at start ({@link #attach}). */
    public boolean lazy() {
        return lazy;
    }

    /** The route modules that need it. */
    public List<String> modules() {
        return modules;
    }

    /** Whether its libraries are on the class path (its jar beside nervesys.jar, or the build's class path). */
    public boolean present() {
        Boolean p = present;
        if (p == null) {
            p = probes.stream().allMatch(AddOn::loadable);
            present = p;
        }
        return p;
    }

    /**
     * Puts its jar on the class path if it is not there yet and lies beside nervesys.jar, as the manifest's
     * {@code Class-Path} would have; whether its libraries are loadable afterwards. Only in a process started
     * with {@code java -jar nervesys.jar} ({@link AddOnAgent}); elsewhere (tests, IDE) the class path is what it is.
     */
    public synchronized boolean attach() {
        if (present()) {
            return true;
        }
        java.lang.instrument.Instrumentation inst = AddOnAgent.instrumentation();
        Path file = beside();
        if (inst == null || file == null || !Files.isRegularFile(file)) {
            return false;
        }
        try {
            inst.appendToSystemClassLoaderSearch(new JarFile(file.toFile()));
        } catch (IOException e) {
            LOG.warn("Cannot load {}: {}", file, e.getMessage());
            return false;
        }
        present = null;
        boolean loaded = present();
        if (loaded) {
            LOG.info("Loaded {} for module {}", jar, String.join(", ", modules));
        } else {
            LOG.warn("{} was added to the class path but its libraries are not there: module {} cannot run", file,
                    String.join(", ", modules));
        }
        return loaded;
    }

    /**
     * Whether its libraries are not loaded, but would be by a restart with one of its modules on: a
     * {@link #lazy} add-on whose jar lies beside nervesys.jar of a process that can {@link #attach} it.
     */
    public boolean loadsAtRestart() {
        if (!lazy || present()) {
            return false;
        }
        Path file = beside();
        return AddOnAgent.instrumentation() != null && file != null && Files.isRegularFile(file);
    }

    /** Puts the {@link #lazy} add-ons that a module on in these settings needs on the class path. */
    public static void attachFor(AgentSettings settings) {
        for (AddOn a : values()) {
            if (a.lazy && a.modules.stream().anyMatch(m -> Role.moduleOn(settings, m))) {
                a.attach();
            }
        }
    }

    private Path beside() {
        Path dir = coreJarDirectory();
        return dir == null ? null : dir.resolve(jar);
    }

    /** The one line that says a module cannot run without this add-on, and what to do. */
    public String missingLine(String module) {
        Path dir = coreJarDirectory();
        String where = dir == null ? "" : " (" + dir.resolve(jar) + " is missing)";
        return "module " + module + " needs " + jar + " beside nervesys.jar" + where
                + ": copy it there from the build (bootstrap/target/" + jar + ") or set nervesys.modules." + module + "=false";
    }

    /** The add-on a route module needs, if any. */
    public static Optional<AddOn> neededBy(String module) {
        for (AddOn a : values()) {
            if (a.modules.contains(module)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a module that is on idles with these settings, so that it can be left out when its add-on
     * is missing instead of refusing the start: module {@code kafka} is on by default but publishes
     * only with {@code nervesys.kafka.publish=true}; an agent shipped without lib/nervesys-kafka.jar
     * then simply runs without it.
     */
    public static boolean idles(AgentSettings settings, String module) {
        return module.equals("kafka") && !settings.getBoolean("nervesys.kafka.publish", false);
    }

    /**
     * Whether the route files of {@code module} are to be left out: it needs an add-on that is
     * missing and it {@link #idles} with these settings (said once in the log by the caller), or an
     * add-on that was not loaded at start and {@link #loadsAtRestart} (ConfigSync asks for the restart).
     */
    public static boolean leftOut(AgentSettings settings, String module) {
        return neededBy(module).filter(a -> !a.present()).filter(a -> idles(settings, module) || a.loadsAtRestart()).isPresent();
    }

    /** The line of a missing add-on that a module needs, when that module is on; empty when the agent can start. */
    public static Optional<String> refusal(AgentSettings settings) {
        for (AddOn a : values()) {
            for (String module : a.modules) {
                if (Role.moduleOn(settings, module) && !a.present() && !idles(settings, module)) {
                    return Optional.of(a.missingLine(module));
                }
            }
        }
        return Optional.empty();
    }

    /** The missing add-on whose capability a class (a bean provider) belongs to, if any. */
    static Optional<AddOn> missingFor(String className) {
        for (AddOn a : values()) {
            if (className != null && className.contains(a.capabilityPackage) && !a.present()) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Whether the class file is on the class path: looked up as a resource, so that no class is loaded. */
    private static boolean loadable(String className) {
        ClassLoader loader = AddOn.class.getClassLoader();
        return loader != null && loader.getResource(className.replace('.', '/') + ".class") != null;
    }

    /** The directory of the jar this class was loaded from, or null outside a jar (tests, IDE). */
    static Path coreJarDirectory() {
        CodeSource source = AddOn.class.getProtectionDomain().getCodeSource();
        try {
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toAbsolutePath().getParent() : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
