package dev.nervesys.telecrunch;

import dev.nervesys.buffer.DataPathHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.telecrunch.gen.TelemetryFeed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class FeedAndRouteTest {

    private static AgentSettings settings(Map<String, String> values) {
        return new AgentSettings() {
            @Override
            public Optional<String> find(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public Optional<String> secret(String env) {
                return Optional.empty();
            }

            @Override
            public String agentId() {
                return "a";
            }

            @Override
            public String server() {
                return "s";
            }

            @Override
            public Path dataDir() {
                return Path.of("target");
            }
        };
    }

    @Test
    void providerIsRegisteredAndFeedContinuesTheSimulationAcrossBatches() throws Exception {
        BeanProvider provider = ServiceLoader.load(BeanProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof TelecrunchBeans).findFirst().orElseThrow();
        Map<String, Object> beans = provider.beans(settings(Map.of("nervesys.generator.schema", "../config/schemas/engine.yaml",
                "nervesys.generator.batch", "10", "nervesys.generator.sources", "2")));
        TelemetryFeed feed = (TelemetryFeed) beans.get("telemetryFeed");
        String first = feed.nextBatch();
        String second = feed.nextBatch();
        ObjectMapper json = new ObjectMapper();
        String[] lines = first.split("\n");
        assertThat(lines).hasSize(10);
        JsonNode r = json.readTree(lines[0]);
        assertThat(r.get("run_id").asText()).isEqualTo("demo");
        assertThat(r.get("source").asText()).isEqualTo("engine-0");
        assertThat(r.get("fields").size()).isEqualTo(12);
        JsonNode next = json.readTree(second.split("\n")[0]);
        assertThat(next.get("seq").asLong()).isGreaterThan(r.get("seq").asLong());
        assertThat(feed.status()).containsEntry("records", 20L);
        assertThat(provider.beans(settings(Map.of("nervesys.generator.schema", "missing.yaml")))).isEmpty();
    }

    @Test
    void generatorRouteHasIdsPlaceholdersAndFeedsIngest() throws Exception {
        JsonNode routes = new YAMLMapper().readTree(Files.readString(DataPathHarness.routesDir().resolve("generator.camel.yaml")));
        JsonNode route = routes.get(0).get("route");
        assertThat(route.get("id").asText()).matches("[a-z]+(-[a-z]+)*");
        assertThat(route.at("/from/parameters/period").asText()).isEqualTo("{{nervesys.generator.intervalMs:1000}}");
        assertThat(route.at("/from/steps/0/bean/ref").asText()).isEqualTo("telemetryFeed");
        assertThat(route.at("/from/steps/1/to/uri").asText()).isEqualTo("direct:ingest-ndjson");
        String props = Files.readString(Path.of("../config/application.properties"));
        assertThat(props).contains("nervesys.modules.generator=false").contains("nervesys.generator.intervalMs=1000");
    }
}
