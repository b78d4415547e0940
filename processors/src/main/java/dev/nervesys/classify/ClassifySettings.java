package dev.nervesys.classify;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the edge classification (docs/classify.md), each declared once below with its default.
 */
public record ClassifySettings(boolean enabled) {

    public static final Setting ENABLED = Setting.flag("nervesys.classify.enabled", "true", BEANS,
            "classify every log record at ingest (false = no classification, no alerts from logs)");
    public static final Setting QUEUE_SIZE = Setting.integer("nervesys.classify.queueSize", "10000", "records", ROUTES,
            "size of seda:critical-records, the critical records waiting for the alert path; from half full, records of a key already queued are folded into it (criticalCoalesced); when full, records are held back beside it by alert group, at most 1,000 groups then one overflow entry (criticalHeld, criticalOverflow), and handed on with the next record taken: none is dropped while route classify-critical runs");
    public static final Setting WAIT = Setting.duration("nervesys.classify.wait", "500ms", ROUTES,
            "longest wait of route classify-critical on that queue per poll").renamedFrom("nervesys.classify.waitMs", "ms");

    /** The declarations of {@code nervesys.classify.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Classification";
        }

        @Override
        public String page() {
            return "classify.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(ENABLED, QUEUE_SIZE, WAIT);
        }
    }

    public static ClassifySettings from(AgentSettings s) {
        return new ClassifySettings(s.getBoolean(ENABLED));
    }
}
