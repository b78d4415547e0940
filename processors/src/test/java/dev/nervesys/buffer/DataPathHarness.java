package dev.nervesys.buffer;

import dev.nervesys.archive.ArchiveBeans;
import dev.nervesys.ingest.IngestBeans;
import dev.nervesys.spi.BeanProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * Boots the real routes/*.camel.yaml of the repository in a DefaultCamelContext with the beans of
 * the buffer, ingest and the archiver (their providers found through ServiceLoader and called in
 * their order, as the runtime does), until tests can boot the runtime itself.
 */
public final class DataPathHarness implements AutoCloseable {

    /** The data path's providers: the buffer, ingest and the archiver. */
    private static final Set<Class<?>> DATA_PATH = Set.of(BufferBeans.class, IngestBeans.class, ArchiveBeans.class);

    public final CamelContext context;
    public final Map<String, Object> beans;

    public DataPathHarness(TestSettings settings, String... routeFiles) throws Exception {
        List<BeanProvider> providers = ServiceLoader.load(BeanProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> DATA_PATH.contains(p.getClass())).sorted(Comparator.comparingInt(BeanProvider::order)).toList();
        if (providers.size() != DATA_PATH.size()) {
            throw new IllegalStateException("not all of " + DATA_PATH + " are listed in META-INF/services");
        }
        Map<String, Object> made = new LinkedHashMap<>();
        try {
            for (BeanProvider provider : providers) {
                made.putAll(provider.beans(settings, Collections.unmodifiableMap(new LinkedHashMap<>(made))));
            }
        } catch (Exception | Error e) {
            closeInReverse(made.values()); // as the runtime's BeanFactory does
            throw e;
        }
        this.beans = made;
        this.context = new DefaultCamelContext();
        try {
            beans.forEach(context.getRegistry()::bind);
            Properties p = new Properties();
            p.putAll(settings.properties());
            context.getPropertiesComponent().setInitialProperties(TestSettings.routeProperties(p));
            List<Resource> resources = new ArrayList<>();
            for (String f : routeFiles) {
                Path file = routesDir().resolve(f);
                resources.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(resources);
            context.start();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public RecordBuffer buffer() {
        return (RecordBuffer) beans.get("recordBuffer");
    }

    public static Path routesDir() {
        Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("routes/ingest.camel.yaml"))) {
                return d.resolve("routes");
            }
        }
        throw new IllegalStateException("no routes/ingest.camel.yaml above " + System.getProperty("user.dir"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Closes the AutoCloseable beans, last created first, as the runtime does; one failure does not stop the rest. */
    public static void closeInReverse(java.util.Collection<Object> created) {
        List<Object> reverse = new ArrayList<>(created);
        Collections.reverse(reverse);
        for (Object b : reverse) {
            if (b instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing the rest matters more in a test teardown
                }
            }
        }
    }

    @Override
    public void close() {
        context.stop();
        closeInReverse(beans.values());
    }
}
