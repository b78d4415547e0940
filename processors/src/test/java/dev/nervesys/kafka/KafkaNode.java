package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferBeans;
import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.clickhouse.ClickHouseBeans;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.RecordKind;
import dev.nervesys.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * An agent or a sink node for the Kafka tests: the beans of the buffer, the ClickHouse shipper and
 * Kafka, made by their providers in the runtime's order, and the real route files (errors plus the
 * given ones) in a DefaultCamelContext.
 */
final class KafkaNode implements AutoCloseable {

    final CamelContext context;
    final Map<String, Object> beans = new LinkedHashMap<>();

    KafkaNode(TestSettings s, String... routeFiles) throws Exception {
        this(s, true, routeFiles);
    }

    /** With {@code startRoutes} false the context starts with its routes stopped (a benchmark times their start). */
    KafkaNode(TestSettings s, boolean startRoutes, String... routeFiles) throws Exception {
        try {
            for (BeanProvider p : List.of(new BufferBeans(), new ClickHouseBeans(), new KafkaBeans())) {
                beans.putAll(p.beans(s, Collections.unmodifiableMap(new LinkedHashMap<>(beans))));
            }
        } catch (Exception | Error e) {
            DataPathHarness.closeInReverse(beans.values());
            throw e;
        }
        context = new DefaultCamelContext();
        try {
            beans.forEach(context.getRegistry()::bind);
            Properties p = new Properties();
            p.putAll(s.properties());
            context.getPropertiesComponent().setInitialProperties(TestSettings.routeProperties(p));
            List<Resource> resources = new ArrayList<>();
            List<String> files = new ArrayList<>(List.of("errors.camel.yaml"));
            files.addAll(List.of(routeFiles));
            for (String f : files) {
                Path file = DataPathHarness.routesDir().resolve(f);
                resources.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(resources);
            context.setAutoStartup(startRoutes);
            context.start();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    static TestSettings settings(Path dir, KafkaBroker broker) {
        return new TestSettings(dir)
                .set("nervesys.kafka.bootstrapServers", broker.bootstrapServers())
                .set("nervesys.kafka.timeout", "3s")
                .set("nervesys.kafka.backoffInitial", "100ms")
                .set("nervesys.kafka.backoffMax", "500ms")
                .set("nervesys.kafka.checkEvery", "50ms")
                .set("nervesys.kafka.batchRows", "500");
    }

    RecordBuffer buffer() {
        return (RecordBuffer) beans.get("recordBuffer");
    }

    KafkaPublisher publisher() {
        return (KafkaPublisher) beans.get("kafkaPublisher");
    }

    KafkaSink sink() {
        return (KafkaSink) beans.get("kafkaSink");
    }

    /** Appends n telemetry records of the runs given in turn, frames from {@code firstFrame}. */
    static void telemetry(RecordBuffer buffer, int firstFrame, int n, String... runs) throws Exception {
        List<RecordKind> kinds = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int frame = firstFrame + i;
            kinds.add(RecordKind.TELEMETRY);
            bodies.add(("{\"run_id\":\"" + runs[i % runs.length] + "\",\"source\":\"engine\",\"type\":\"update\",\"frame\":" + frame
                    + ",\"time\":" + (1765368000000000000L + frame * 1_000_000L) + ",\"fields\":{\"rpm\":" + (1000 + frame)
                    + ",\"temp\":" + (frame % 90) + "}}").getBytes(StandardCharsets.UTF_8));
        }
        buffer.append(kinds, bodies);
    }

    @Override
    public void close() {
        context.stop();
        DataPathHarness.closeInReverse(beans.values());
    }
}
