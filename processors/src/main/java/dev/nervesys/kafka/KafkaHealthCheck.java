package dev.nervesys.kafka;

import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyCheck;
import dev.nervesys.spi.DependencyState;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Health check {@code nervesys-kafka} (readiness group, bound as a bean) and the {@code kafka}
 * dependency: off while no brokers are set; degraded, never DOWN ({@link DependencyCheck}), while
 * the cluster does not answer or the last publishing attempt failed, since the buffer holds the
 * records meanwhile. The cluster is asked (describeCluster, 5 s at most) at most every
 * {@link #ASK_EVERY_MS} ms; a batch acknowledged since answers for it.
 */
public final class KafkaHealthCheck extends DependencyCheck implements Dependency {

    static final long ASK_EVERY_MS = 30_000;

    private final KafkaSettings cfg;
    private final KafkaClients clients;
    private final KafkaPublisher publisher;
    private final Clock clock;
    private long askedAt;
    private String askError;
    private long askFailingSince;
    private long sentAtAsk = -1;

    public KafkaHealthCheck(KafkaSettings cfg, KafkaClients clients, KafkaPublisher publisher, Clock clock) {
        super("nervesys-kafka", clock);
        this.cfg = cfg;
        this.clients = clients;
        this.publisher = publisher;
        this.clock = clock;
    }

    @Override
    protected void moreDetails(HealthCheckResultBuilder builder) {
        builder.detail("publishing", publisher.enabled());
        if (publisher.enabled()) {
            builder.detail("pendingRows", publisher.pendingRows());
            builder.detail("sentRecords", publisher.sentRecords());
            builder.detail("consecutiveFailures", publisher.consecutiveFailures());
        }
    }

    @Override
    public String dependencyName() {
        return "kafka";
    }

    @Override
    public DependencyState dependencyState() {
        return state();
    }

    @Override
    protected DependencyState state() {
        if (!cfg.configured()) {
            return DependencyState.off("kafka", null);
        }
        Map<String, Number> backlog = new LinkedHashMap<>();
        backlog.put("rows", publisher.pendingRows());
        backlog.put("lagSeconds", publisher.lag().toSeconds());
        String error = ask();
        if (error != null) {
            return DependencyState.degraded("kafka", cfg.describe(), "Kafka does not answer: " + error,
                    Instant.ofEpochMilli(askFailingSince), backlog);
        }
        if (publisher.consecutiveFailures() > 0) {
            return DependencyState.degraded("kafka", cfg.describe(), "the last batch failed: " + publisher.lastError(),
                    Instant.ofEpochMilli(publisher.failingSince()), backlog);
        }
        return DependencyState.ok("kafka", cfg.describe(), backlog);
    }

    /** The error of the last look at the cluster (null: it answered), looked at again when due. */
    private synchronized String ask() {
        long now = clock.millis();
        long sent = publisher.sentRecords();
        if (sent != sentAtAsk && publisher.consecutiveFailures() == 0 && askedAt != 0) {
            sentAtAsk = sent; // a batch was acknowledged since: the cluster answers
            askError = null;
            askedAt = now;
        }
        if (askedAt == 0 || now - askedAt >= ASK_EVERY_MS) {
            String err;
            try (Admin admin = clients.admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                err = null;
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                Throwable c = e.getCause() != null ? e.getCause() : e;
                err = c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
            }
            if (err != null && askError == null) {
                askFailingSince = now;
            }
            askError = err;
            askedAt = now;
        }
        return askError;
    }
}
