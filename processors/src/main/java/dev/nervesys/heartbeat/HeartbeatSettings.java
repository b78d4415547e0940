package dev.nervesys.heartbeat;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import dev.nervesys.spi.StatusDatabaseLocation;

import java.time.Duration;
import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the heartbeat and its database (docs/heartbeat.md), each declared once below with its
 * default. The beans read theirs at start; the intervals are the routes', and route heartbeat-beat
 * hands its interval to the bean with every beat, so the stored {@code interval_seconds} is the
 * one the timer runs with, after a reload too. Where the database is ({@code nervesys.postgres.url},
 * {@code nervesys.heartbeat.sqliteFile}) is worked out by {@link StatusDatabaseLocation}, which the
 * reports use as well; those two keys are declared there and listed here.
 *
 * @param database where beats go (PostgreSQL or the local SQLite file)
 */
public record HeartbeatSettings(StatusDatabaseLocation database, Duration connectTimeout, Duration socketTimeout,
                                int poolSize, int spoolMax, int batch, Duration backoffInitial, Duration backoffMax) {

    public static final Setting POSTGRES_URL = StatusDatabaseLocation.POSTGRES_URL;
    public static final Setting CONNECT_TIMEOUT = Setting.duration("nervesys.postgres.connectTimeout", "5s", BEANS,
            "connect timeout of the heartbeat database (a slow database delays beats, nothing else)");
    public static final Setting SOCKET_TIMEOUT = Setting.duration("nervesys.postgres.socketTimeout", "30s", BEANS,
            "socket timeout of the heartbeat database (whole seconds)");
    public static final Setting POOL_SIZE = Setting.integer("nervesys.postgres.poolSize", "2", "connections", BEANS,
            "connections to the heartbeat database (an orchestrator that does not set it: 8, for the beats its agents post)");
    public static final Setting INTERVAL = Setting.duration("nervesys.heartbeat.interval", "60s", ROUTES,
            "one beat per interval (route heartbeat-beat; the beat's interval_seconds)");
    public static final Setting FIRST_DELAY = Setting.duration("nervesys.heartbeat.firstDelay", "2s", ROUTES,
            "delay of the first beat and first flush after start");
    public static final Setting FLUSH_EVERY = Setting.duration("nervesys.heartbeat.flushEvery", "2s", ROUTES,
            "how often spooled beats are written to the database (route heartbeat-flush, also alerts-history)");
    public static final Setting ORCHESTRATOR = Setting.text("nervesys.heartbeat.orchestrator", "", BEANS,
            "URL the beats are posted to instead of a database: <orchestrator>/v1/heartbeat, set by an enrollment whose group "
                    + "names no nervesys.postgres.url (docs/orchestrator.md); credential " + OrchestratorTarget.CREDENTIAL_ENV);
    public static final Setting SQLITE_FILE = StatusDatabaseLocation.SQLITE_FILE;
    public static final Setting SPOOL_MAX = Setting.integer("nervesys.heartbeat.spoolMax", "10080", "beats", BEANS,
            "beats kept while the database is unreachable (10080 = a week at 60 s); beyond, the oldest are dropped and counted");
    public static final Setting BATCH = Setting.integer("nervesys.heartbeat.batch", "500", "beats", BEANS,
            "beats written per insert batch");
    public static final Setting BACKOFF_INITIAL = Setting.duration("nervesys.heartbeat.backoffInitial", "5s", BEANS,
            "after a failed write, wait backoffInitial ...");
    public static final Setting BACKOFF_MAX = Setting.duration("nervesys.heartbeat.backoffMax", "5m", BEANS,
            "... doubling up to backoffMax");

    /** The declarations of {@code nervesys.heartbeat.*} and {@code nervesys.postgres.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Heartbeat";
        }

        @Override
        public String page() {
            return "heartbeat.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(POSTGRES_URL, CONNECT_TIMEOUT, SOCKET_TIMEOUT, POOL_SIZE, INTERVAL, FIRST_DELAY, FLUSH_EVERY,
                    ORCHESTRATOR, SQLITE_FILE, SPOOL_MAX, BATCH, BACKOFF_INITIAL, BACKOFF_MAX);
        }
    }

    public static HeartbeatSettings from(AgentSettings s) {
        return new HeartbeatSettings(StatusDatabaseLocation.of(s), s.getDuration(CONNECT_TIMEOUT),
                s.getDuration(SOCKET_TIMEOUT), s.getInt(POOL_SIZE), s.getInt(SPOOL_MAX), s.getInt(BATCH), s.getDuration(BACKOFF_INITIAL), s.getDuration(BACKOFF_MAX));
    }
}
