package dev.nervesys.runs;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.time.Duration;
import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/** Settings of runs (docs/runs.md), each declared once below with its default. */
public record RunsSettings(Duration idleTimeout) {

    public static final Setting IDLE_TIMEOUT = Setting.duration("nervesys.runs.idleTimeout", "5m", BEANS,
            "a run without records for this long ends (reason \"idle\")");
    public static final Setting CHECK_EVERY = Setting.duration("nervesys.runs.checkEvery", "1s", ROUTES,
            "how often runs are checked for idleness and written to ClickHouse (route runs-tick)")
            .renamedFrom("nervesys.runs.checkEveryMs", "ms");

    /** The declarations of {@code nervesys.runs.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Runs";
        }

        @Override
        public String page() {
            return "runs.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(IDLE_TIMEOUT, CHECK_EVERY);
        }
    }

    public static RunsSettings from(AgentSettings s) {
        return new RunsSettings(s.getDuration(IDLE_TIMEOUT));
    }
}
