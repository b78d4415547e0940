package dev.nervesys.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The figures a heartbeat row takes from other capabilities (docs/heartbeat.md), one small
 * interface per capability that has some. Typed on purpose: the heartbeat used to read them from
 * the console's status maps by key, where a renamed key left a column empty without any error; a
 * renamed method here breaks the build instead. The heartbeat finds each among the earlier beans
 * by type; a capability that is absent leaves its columns null.
 */
public final class HeartbeatFigures {

    private HeartbeatFigures() {
    }

    /** The record buffer: buffer_size_mb, buffer_percent, buffer_rows, buffer_dropped. */
    public interface Buffer {

        /** Bytes of the database file and its WAL. */
        long bytesOnDisk();

        /** The cap ({@code nervesys.buffer.maxBytes}); 0 or less when there is none. */
        long maxBytes();

        long rows();

        /** Rows dropped by {@code drop-oldest} since the buffer was created. */
        long dropped();
    }

    /** The archiver: archive_lag_seconds, and "archived &lt;key&gt;" as the last action. */
    public interface Archive {

        /** Age of the oldest record not yet archived; zero when none waits. */
        Duration lag();

        /** Object key of the last archive written, or null before the first. */
        String lastKey();
    }

    /** Ingest: ingest_rate. */
    public interface Ingest {

        /** Records accepted per second over the last few seconds, rounded to a whole number. */
        double recordsPerSecond();
    }

    /** The alert path: the alerts column, open_alerts, and the last action when it is an alert's. */
    public interface Alerts {

        /** Open alerts, newest first, as JSON-ready maps. */
        List<Map<String, Object>> openAlerts();

        /** The true number of open alerts ({@link #openAlerts} is a capped list). */
        default long openCount() {
            return openAlerts().size();
        }

        /**
         * Critical lines the open alerts stand for: their own and those the classifier's queue folded
         * into them (docs/alerts.md, "Storms"), also of open alerts no longer in memory.
         */
        default long openLines() {
            return 0;
        }

        /** Open alert groups (the notifications' unit). */
        default long openGroups() {
            return 0;
        }

        /** The last thing the alert path did ("alert ... sent to ..."), or null. */
        String lastAction();
    }
}
