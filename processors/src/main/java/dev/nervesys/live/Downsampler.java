package dev.nervesys.live;

/**
 * Keeps at most {@code rate} points per second of simulation time per series: a point passes when
 * its time is at least 1/rate after the last one passed (or went backwards: a new segment).
 */
final class Downsampler {

    private final long intervalNanos;
    private long[] last = new long[0];

    Downsampler(int rate) {
        this.intervalNanos = rate <= 0 ? 0 : 1_000_000_000L / rate;
    }

    boolean pass(int series, long timeNanos) {
        if (series >= last.length) {
            long[] grown = new long[Math.max(series + 1, last.length * 2)];
            java.util.Arrays.fill(grown, Long.MIN_VALUE);
            System.arraycopy(last, 0, grown, 0, last.length);
            last = grown;
        }
        long prev = last[series];
        if (prev == Long.MIN_VALUE || timeNanos >= prev + intervalNanos || timeNanos < prev) {
            last[series] = timeNanos;
            return true;
        }
        return false;
    }
}
