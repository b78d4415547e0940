package dev.nervesys.common;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket of records per second for each ingest token. A request is admitted while the
 * bucket is positive and then charged for every record it carried, so the bucket may go negative:
 * one large batch is never refused forever, and the Retry-After it causes is exact. Used by ingest
 * (records per token) and the live server (requests per token).
 */
public final class RateLimiter {

    private final double perSecond;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double level;
        long at;

        Bucket(double level, long at) {
            this.level = level;
            this.at = at;
        }
    }

    /** @param perSecond 0 = unlimited; @param burst 0 = one second's worth */
    public RateLimiter(double perSecond, double burst) {
        this.perSecond = perSecond;
        this.burst = burst > 0 ? burst : perSecond;
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** Seconds to wait before retrying, or 0 when the request may go on. */
    public long admit(String key, long nowNanos) {
        if (!enabled()) {
            return 0;
        }
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            refill(b, nowNanos);
            if (b.level > 0) {
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.level) / perSecond));
        }
    }

    /**
     * Takes one unit (one request) if a whole one is there: seconds to wait before retrying, or 0
     * when taken. Unlike {@link #admit}, the bucket never goes negative.
     */
    public long take(String key, long nowNanos) {
        if (!enabled()) {
            return 0;
        }
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            refill(b, nowNanos);
            if (b.level >= 1) {
                b.level -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.level) / perSecond));
        }
    }

    public void charge(String key, int records, long nowNanos) {
        if (!enabled() || records == 0) {
            return;
        }
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            refill(b, nowNanos);
            b.level -= records;
        }
    }

    private void refill(Bucket b, long now) {
        double add = (now - b.at) / 1e9 * perSecond;
        b.level = Math.min(burst, b.level + add);
        b.at = now;
    }
}
