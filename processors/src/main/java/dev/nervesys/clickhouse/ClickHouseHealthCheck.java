package dev.nervesys.clickhouse;

import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Health check {@code nervesys-clickhouse} in /observe/health (bound as a bean: Camel picks up
 * health checks from the registry) and the {@code clickhouse} dependency. Off when shipping is off;
 * degraded, never DOWN ({@link DependencyCheck}), while the server does not answer /ping or the
 * last shipping attempt failed: the buffer holds the rows meanwhile. /ping is asked at most every
 * {@link #PING_EVERY_MS} ms (a successful shipping tick in between answers for the server), so
 * scrapes and health probes never wait on a dead server more than once in a while.
 */
public final class ClickHouseHealthCheck extends DependencyCheck implements Dependency {

    static final long PING_EVERY_MS = 30_000;

    private final ClickHouseShipper shipper;
    private long pingedAt;
    private boolean pingFailed;
    private long pingFailingSince;
    private final Clock clock;

    public ClickHouseHealthCheck(ClickHouseShipper shipper) {
        this(shipper, Clock.systemUTC());
    }

    public ClickHouseHealthCheck(ClickHouseShipper shipper, Clock clock) {
        super("nervesys-clickhouse", clock);
        this.shipper = shipper;
        this.clock = clock;
    }

    @Override
    protected void moreDetails(HealthCheckResultBuilder builder) {
        if (!shipper.enabled()) {
            builder.detail("clickhouse", "off");
            return;
        }
        builder.detail("pendingRows", shipper.pendingRows());
        builder.detail("deadLetters", shipper.deadLetterCount());
        builder.detail("consecutiveFailures", shipper.consecutiveFailures());
        if (shipper.lastError() != null) {
            builder.detail("lastError", shipper.lastError());
        }
    }

    @Override
    public String dependencyName() {
        return "clickhouse";
    }

    @Override
    public DependencyState dependencyState() {
        return state();
    }

    @Override
    protected DependencyState state() {
        if (!shipper.enabled()) {
            return DependencyState.off("clickhouse", null);
        }
        String target = shipper.target();
        Map<String, Number> backlog = new LinkedHashMap<>();
        backlog.put("rows", shipper.pendingRows());
        backlog.put("lagSeconds", shipper.lag().toSeconds());
        Instant since = shipper.failingSince() == 0 ? null : Instant.ofEpochMilli(shipper.failingSince());
        if (!ping()) {
            Instant pingSince = Instant.ofEpochMilli(pingFailingSince);
            return DependencyState.degraded("clickhouse", target, "ClickHouse does not answer /ping",
                    since != null && since.isBefore(pingSince) ? since : pingSince, backlog);
        }
        if (shipper.consecutiveFailures() > 0) {
            return DependencyState.degraded("clickhouse", target, "the last insert failed: " + shipper.lastError(), since, backlog);
        }
        return DependencyState.ok("clickhouse", target, backlog);
    }

    /** Whether the server answered its last /ping, asked again when that was long enough ago. */
    private synchronized boolean ping() {
        long now = clock.millis();
        if (shipper.lastSuccessAt() > pingedAt) {
            pingedAt = shipper.lastSuccessAt();
            pingFailed = false;
        }
        if (pingedAt == 0 || now - pingedAt >= PING_EVERY_MS) {
            boolean ok = shipper.client().ping(Duration.ofSeconds(2));
            if (!ok && !pingFailed) {
                pingFailingSince = now;
            }
            pingFailed = !ok;
            pingedAt = now;
        }
        return !pingFailed;
    }
}
