package dev.nervesys.telecrunch;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.telecrunch.gen.TelemetryFeed;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Binds {@code telemetryFeed}, the generator used by routes/generator.camel.yaml. When the schema
 * file does not exist (an agent without config/schemas) nothing is bound, and the generator
 * module, off by default, must stay off.
 */
public final class TelecrunchBeans implements BeanProvider {

    @Override
    public Map<String, Object> beans(AgentSettings s) throws Exception {
        Path schema = Path.of(s.get("nervesys.generator.schema", "config/schemas/engine.yaml"));
        if (!Files.isRegularFile(schema)) {
            return Map.of();
        }
        return Map.of("telemetryFeed", new TelemetryFeed(SchemaLoader.load(schema),
                s.getInt("nervesys.generator.sources", 4),
                s.getInt("nervesys.generator.batch", 400),
                s.getLong("nervesys.generator.seed", 1),
                Double.parseDouble(s.get("nervesys.generator.anomalies", "0.001")),
                s.get("nervesys.generator.runId", "demo")));
    }
}
