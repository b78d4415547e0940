package dev.nervesys.bootstrap.console;

import org.apache.camel.console.DevConsole;
import org.apache.camel.impl.console.DefaultDevConsoleRegistry;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Camel's dev console registry, without its class-path scan. Camel finds dev consoles by scanning
 * the class path for {@code META-INF/services/org/apache/camel/dev-console/*}, which in our single
 * fat jar (tens of thousands of entries) took about 2 s, twice per start (measured: ready in 6.4 s
 * with dev consoles, 2.8 s without). The ids are read here from the jar's entry list instead
 * (milliseconds), and from the add-on jars its manifest names, and each console is resolved by id,
 * as Camel would. Outside a jar (tests, IDE)
 * Camel's own scan runs.
 *
 * <p>Consoles that act instead of showing are never registered ({@link #REFUSED}): {@code send}
 * sends a message to any endpoint URI given in the query, {@code receive} consumes from one,
 * {@code debug} steps the debugger, {@code reload} reloads routes. The management server passes a
 * request's query parameters to the console, so each of them would be one GET away
 * (docs/security.md).
 */
public final class IndexedDevConsoleRegistry extends DefaultDevConsoleRegistry {

    static final String PREFIX = "META-INF/services/org/apache/camel/dev-console/";

    /** Ids of the consoles this agent never serves. */
    public static final Set<String> REFUSED = Set.of("send", "receive", "debug", "reload");

    private volatile boolean loaded;

    @Override
    public boolean register(DevConsole console) {
        return !REFUSED.contains(console.getId()) && super.register(console);
    }

    @Override
    public DevConsole resolveById(String id) {
        return REFUSED.contains(id) ? null : super.resolveById(id);
    }

    @Override
    public Stream<DevConsole> stream() {
        return super.stream().filter(c -> !REFUSED.contains(c.getId()));
    }

    @Override
    public void loadDevConsoles(boolean force) {
        List<String> ids = idsInJar();
        if (ids == null) {
            super.loadDevConsoles(force);
            return;
        }
        if (loaded && !force) {
            return;
        }
        for (String id : ids) {
            resolveById(id);
        }
        loaded = true;
    }

    /**
     * Console ids of the fat jar, or null unless Camel's console classes and ours come from the
     * same jar (only then does that jar list every console on the class path).
     */
    static List<String> idsInJar() {
        Path camel = location(DefaultDevConsoleRegistry.class);
        Path ours = location(IndexedDevConsoleRegistry.class);
        if (camel == null || !camel.equals(ours) || !camel.toString().endsWith(".jar")) {
            return null;
        }
        List<String> ids = idsIn(camel);
        if (ids != null) {
            ids.addAll(idsInAddOns(camel));
        }
        return ids;
    }

    /**
     * Console ids of the add-on jars the fat jar's manifest names in its {@code Class-Path} (those
     * present: docs/operations.md, "Add-on jars"), such as Camel's kafka console in lib/nervesys-kafka.jar.
     */
    static List<String> idsInAddOns(Path fatJar) {
        List<String> ids = new ArrayList<>();
        String classPath;
        try (JarFile jar = new JarFile(fatJar.toFile())) {
            Manifest manifest = jar.getManifest();
            classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        } catch (IOException e) {
            return ids;
        }
        if (classPath == null) {
            return ids;
        }
        for (String entry : classPath.trim().split("\\s+")) {
            Path addOn = fatJar.toAbsolutePath().getParent().resolve(entry);
            if (!entry.isEmpty() && Files.isRegularFile(addOn)) {
                List<String> found = idsIn(addOn);
                if (found != null) {
                    ids.addAll(found);
                }
            }
        }
        return ids;
    }

    private static Path location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        try {
            return source == null || source.getLocation() == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Dev console ids listed in a jar's {@code META-INF/services/org/apache/camel/dev-console/}. */
    static List<String> idsIn(Path jarFile) {
        List<String> ids = new ArrayList<>();
        try (JarFile jar = new JarFile(jarFile.toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.startsWith(PREFIX) && !entry.isDirectory()) {
                    String id = name.substring(PREFIX.length());
                    if (!id.contains("/") && !id.equals("default-registry")) {
                        ids.add(id);
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return ids;
    }
}
