package dev.nervesys.buffer;

import dev.nervesys.spi.BeanProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * Boots the real routes/*.camel.yaml of the repository in a DefaultCamelContext with the beans of
 * {@link DataPathBeans} (found through ServiceLoader, as the runtime finds them), the way the
 * runtime wires them, until tests can boot the runtime itself.
 */
public final class DataPathHarness implements AutoCloseable {

    public final CamelContext context;
    public final Map<String, Object> beans;

    public DataPathHarness(TestSettings settings, String... routeFiles) throws Exception {
        BeanProvider provider = ServiceLoader.load(BeanProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof DataPathBeans).findFirst()
                .orElseThrow(() -> new IllegalStateException("DataPathBeans is not listed in META-INF/services"));
        this.beans = provider.beans(settings);
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
