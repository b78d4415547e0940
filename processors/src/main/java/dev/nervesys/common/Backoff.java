package dev.nervesys.common;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Exponential back-off after failures in a row, the one used by every worker that talks to
 * something that can be down (archive target, ClickHouse, the status database, alert channels,
 * snapshot uploads): wait {@code initial} after the first failure, twice as long after each further
 * one, never longer than {@code max}; a success ends the streak. The doubling stops after 20 steps
 * (2^20 × initial), far beyond any sensible {@code max}, so that the factor cannot overflow.
 *
 * <p>An instance holds one streak: how many failures in a row, since when, and when the next
 * attempt is due, read from the agent's clock ({@code AgentSettings.clock()}), so that tests move
 * time by hand. {@link #delay(Duration, Duration, int)} alone serves callers that keep their own
 * count (one per alert delivery).
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final Clock clock;
    private volatile int failures;
    private volatile Instant failingSince;
    private volatile Instant nextAttempt = Instant.MIN;

    public Backoff(Duration initial, Duration max, Clock clock) {
        this.initial = initial;
        this.max = max;
        this.clock = clock;
    }

    /** The wait after the {@code failures}-th failure in a row ({@code <= 1}: {@code initial}). */
    public static Duration delay(Duration initial, Duration max, int failures) {
        Duration d = initial.multipliedBy(1L << Math.min(20, Math.max(0, failures - 1)));
        return d.compareTo(max) > 0 ? max : d;
    }

    /** Counts a failure and returns the wait before the next attempt (due from now). */
    public synchronized Duration failed() {
        Instant now = clock.instant();
        if (failures++ == 0) {
            failingSince = now;
        }
        Duration d = delay(initial, max, failures);
        nextAttempt = now.plus(d);
        return d;
    }

    /** Ends the streak (a success): the next attempt is due at once. Returns the failures it ended. */
    public synchronized int reset() {
        int ended = failures;
        failures = 0;
        failingSince = null;
        nextAttempt = Instant.MIN;
        return ended;
    }

    /** True while waiting after a failure: callers skip the attempt. */
    public boolean waiting() {
        return clock.instant().isBefore(nextAttempt);
    }

    /** True while waiting at {@code epochMillis} (for callers that read the clock once per tick). */
    public boolean waitingAt(long epochMillis) {
        Instant next = nextAttempt;
        return next != Instant.MIN && epochMillis < next.toEpochMilli();
    }

    /** Failures in a row, 0 after a success. */
    public int failures() {
        return failures;
    }

    /** When the current streak of failures began, or null while the last attempt succeeded. */
    public Instant failingSince() {
        return failingSince;
    }
}
