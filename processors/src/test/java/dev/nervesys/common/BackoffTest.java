package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.testing.HandClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one back-off of the workers: the delays they had each written out, and a streak on the agent's clock. */
class BackoffTest {

    @Test
    void doublesFromInitialUpToMax() {
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(30);
        assertThat(Backoff.delay(initial, max, 0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.delay(initial, max, 1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.delay(initial, max, 2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Backoff.delay(initial, max, 5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(Backoff.delay(initial, max, 6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Backoff.delay(initial, max, Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
        // the doubling stops after 20 steps, so a huge max is not reached by overflow
        Duration ms = Duration.ofMillis(1);
        assertThat(Backoff.delay(ms, Duration.ofDays(365), 1000)).isEqualTo(Duration.ofMillis(1L << 20));
    }

    @Test
    void aStreakWaitsOnTheClockAndASuccessEndsIt() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        HandClock clock = new HandClock(t0);
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(250), clock);
        assertThat(b.waiting()).isFalse();
        assertThat(b.waitingAt(t0.toEpochMilli())).isFalse();
        assertThat(b.failures()).isZero();
        assertThat(b.failingSince()).isNull();

        assertThat(b.failed()).isEqualTo(Duration.ofMillis(100));
        assertThat(b.failures()).isEqualTo(1);
        assertThat(b.failingSince()).isEqualTo(t0);
        assertThat(b.waiting()).isTrue();
        clock.advance(Duration.ofMillis(99));
        assertThat(b.waiting()).isTrue();
        assertThat(b.waitingAt(clock.millis())).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(b.waiting()).isFalse();
        assertThat(b.waitingAt(clock.millis())).isFalse();

        assertThat(b.failed()).isEqualTo(Duration.ofMillis(200));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(250));
        assertThat(b.failures()).isEqualTo(3);
        assertThat(b.failingSince()).as("the streak began at the first failure").isEqualTo(t0);

        assertThat(b.reset()).isEqualTo(3);
        assertThat(b.failures()).isZero();
        assertThat(b.failingSince()).isNull();
        assertThat(b.waiting()).isFalse();
        assertThat(b.waitingAt(clock.millis())).isFalse();
        assertThat(b.reset()).isZero();
    }
}
