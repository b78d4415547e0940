package dev.nervesys.telecrunch.pack;

/** Small integer codes shared by the encoder and the decoder. */
final class Codes {

    /** Width 0 means "every residual is zero"; widths 1..64 reserve the all-ones code as escape. */
    static final int WIDTH_BITS = 7;

    private Codes() {
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }

    static long escape(int width) {
        return width == 64 ? -1L : (1L << width) - 1;
    }

    /** Bits needed for n distinct indexes (0 for 0 or 1). */
    static int indexBits(int n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1L);
    }

    /**
     * The width that minimises {@code n*w + exceptions(w)*rawBits} given the histogram of
     * {@code bitLength(zz + 1)} (index 65 for zz = -1). An exception costs the escape plus the raw value.
     */
    static int bestWidth(int[] hist, int n, int rawBits) {
        if (n == 0 || hist[1] == n) {
            return 0;
        }
        int best = 64;
        long bestCost = Long.MAX_VALUE;
        int above = n - hist[0] - hist[1];
        for (int w = 1; w <= 64; w++) {
            // "above" counts residuals that do not fit below the escape code at width w
            long cost = (long) n * w + (long) above * rawBits;
            if (cost < bestCost) {
                bestCost = cost;
                best = w;
            }
            above -= hist[w + 1];
        }
        return best;
    }

    static int histBucket(long zz) {
        return zz == -1L ? 65 : 64 - Long.numberOfLeadingZeros(zz + 1);
    }
}
