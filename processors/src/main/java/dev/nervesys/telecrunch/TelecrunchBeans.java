package dev.nervesys.telecrunch;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.telecrunch.gen.TelemetryFeed;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Binds {@code telemetryFeed}, the generator used by routes/generator.camel.yaml. The schema is
 * the config revision's file at {@code nervesys.generator.schema} (a path in the config repo), or
 * else a file of that path on disk. When neither exists nothing is bound, and the generator module,
 * off by default, must stay off (validation reports the missing bean if it is switched on).
 */
public final class TelecrunchBeans implements BeanProvider {

    @Override
    public Map<String, Object> beans(AgentSettings s) throws Exception {
        GeneratorSettings g = GeneratorSettings.from(s);
        String path = g.schema();
        Schema schema;
        if (s.configFile(path).isPresent()) {
            schema = SchemaLoader.parse(s.configFile(path).get());
        } else if (Files.isRegularFile(Path.of(path))) {
            schema = SchemaLoader.load(Path.of(path));
        } else {
            return Map.of();
        }
        return Map.of("telemetryFeed", new TelemetryFeed(schema,
                g.sources(), g.batch(), g.seed(), g.anomalies(), g.runId()));
    }
}
