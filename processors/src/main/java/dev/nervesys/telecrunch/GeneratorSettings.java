package dev.nervesys.telecrunch;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the telemetry generator, routes/generator.camel.yaml (docs/telecrunch.md), each
 * declared once below with its default.
 */
public record GeneratorSettings(String schema, int sources, int batch, long seed, double anomalies, String runId) {

    public static final Setting SCHEMA = Setting.text("nervesys.generator.schema", "config/schemas/engine.yaml", BEANS,
            "schema the generator simulates");
    /**
     * Milliseconds, not a duration: the name and the route's {@code {{nervesys.generator.intervalMs:1000}}}
     * are pinned by FeedAndRouteTest (the one key of the routes that repeats its default there).
     */
    public static final Setting INTERVAL_MS = Setting.integer("nervesys.generator.intervalMs", "1000", "milliseconds",
            ROUTES, "timer period between batches");
    public static final Setting DELAY = Setting.duration("nervesys.generator.delay", "5s", ROUTES,
            "delay before the first batch").renamedFrom("nervesys.generator.delayMs", "ms");
    public static final Setting BATCH = Setting.integer("nervesys.generator.batch", "400", "records", BEANS,
            "records per batch, over all sources (400 = 4 sources x 100 Hz x 1 s with engine.yaml)");
    public static final Setting SOURCES = Setting.integer("nervesys.generator.sources", "4", "sources", BEANS,
            "simulated sources");
    public static final Setting SEED = Setting.integer("nervesys.generator.seed", "1", "", BEANS,
            "random seed: the same seed gives the same values");
    public static final Setting ANOMALIES = Setting.number("nervesys.generator.anomalies", "0.001", "probability", BEANS,
            "probability per record of an injected anomaly: spike, stuck value, dropout, out of range");
    public static final Setting RUN_ID = Setting.text("nervesys.generator.runId", "demo", BEANS,
            "run_id written into the generated records");

    /** The declarations of {@code nervesys.generator.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Telemetry generator";
        }

        @Override
        public String page() {
            return "telecrunch.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(SCHEMA, INTERVAL_MS, DELAY, BATCH, SOURCES, SEED, ANOMALIES, RUN_ID);
        }
    }

    public static GeneratorSettings from(AgentSettings s) {
        return new GeneratorSettings(s.get(SCHEMA), s.getInt(SOURCES), s.getInt(BATCH), s.getLong(SEED),
                s.getDouble(ANOMALIES), s.get(RUN_ID));
    }
}
