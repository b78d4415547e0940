package dev.nervesys.bootstrap.reload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The jitter of the config repo's poll (nervesys.config.pollJitterPercent): every wait within the
 * share of the interval either way, and a fleet's waits spread over that whole window.
 */
class PollJitterTest {

    @Test
    void aWaitStaysWithinTheShareOfTheIntervalEitherWay() {
        assertThat(ConfigSync.jittered(30_000, 20, 0.0)).isEqualTo(24_000);
        assertThat(ConfigSync.jittered(30_000, 20, 0.5)).isEqualTo(30_000);
        assertThat(ConfigSync.jittered(30_000, 20, 0.999_999)).isEqualTo(36_000);
        assertThat(ConfigSync.jittered(30_000, 0, 0.9)).isEqualTo(30_000);
        assertThat(ConfigSync.jittered(100, 100, 0.0)).isEqualTo(1); // never a zero wait
    }

    @Test
    void tenThousandAgentsStartedTogetherSpreadTheirNextFetchOverTheWindow() {
        Random random = new Random(42);
        long[] waits = LongStream.range(0, 10_000).map(i -> ConfigSync.jittered(30_000, 20, random.nextDouble())).toArray();
        assertThat(LongStream.of(waits).min().getAsLong()).isBetween(24_000L, 24_100L);
        assertThat(LongStream.of(waits).max().getAsLong()).isBetween(35_900L, 36_000L);
        // no second of the 12 s window takes more than a tenth of the fleet (uniform: 1/12 each)
        long[] perSecond = new long[13];
        for (long w : waits) {
            perSecond[(int) ((w - 24_000) / 1000)]++;
        }
        assertThat(LongStream.of(perSecond).max().getAsLong()).isLessThan(1_000);
    }
}
