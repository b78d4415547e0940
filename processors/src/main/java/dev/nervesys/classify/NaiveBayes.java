package dev.nervesys.classify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multinomial naive Bayes over message tokens, trained at start from the labelled examples of the
 * config repo (no model is downloaded or stored). Tokens are runs of letters and digits, lower-cased;
 * runs of digits only count as one token {@code <num>}; single characters are ignored, and so are
 * tokens never seen in training; the endings -ing, -ed and -s of longer words are dropped (a crude
 * stemmer: failing, failed and fails count as one token). Laplace smoothing. Tokens are hashed (64-bit FNV-1a) while they
 * are scanned, so that classifying allocates nothing.
 */
public final class NaiveBayes {

    private static final long NUM = fnvString("<num>");

    private final String[] labels;
    private final double[] logPrior;
    private final LongIntMap index;
    private final double[][] logLikelihood;

    private NaiveBayes(String[] labels, double[] logPrior, LongIntMap index, double[][] logLikelihood) {
        this.labels = labels;
        this.logPrior = logPrior;
        this.index = index;
        this.logLikelihood = logLikelihood;
    }

    /** label to example texts; at least two labels with one example each. */
    public static NaiveBayes train(Map<String, List<String>> examples) {
        String[] labels = examples.keySet().toArray(new String[0]);
        int k = labels.length;
        Map<Long, long[]> counts = new HashMap<>();
        long[] totals = new long[k];
        long docs = 0;
        double[] prior = new double[k];
        for (int c = 0; c < k; c++) {
            List<String> texts = examples.get(labels[c]);
            prior[c] = texts.size();
            docs += texts.size();
            for (String text : texts) {
                final int cls = c;
                tokens(text, h -> {
                    counts.computeIfAbsent(h, x -> new long[k])[cls]++;
                    totals[cls]++;
                });
            }
        }
        int v = counts.size();
        LongIntMap index = new LongIntMap(Math.max(16, v * 2));
        double[][] ll = new double[v][];
        int i = 0;
        for (Map.Entry<Long, long[]> e : counts.entrySet()) {
            double[] row = new double[k];
            for (int c = 0; c < k; c++) {
                row[c] = Math.log((e.getValue()[c] + 1.0) / (totals[c] + v));
            }
            ll[i] = row;
            index.put(e.getKey(), i++);
        }
        for (int c = 0; c < k; c++) {
            prior[c] = Math.log(prior[c] / docs);
        }
        return new NaiveBayes(labels, prior, index, ll);
    }

    public String[] labels() {
        return labels.clone();
    }

    public int vocabulary() {
        return logLikelihood.length;
    }

    /** Fills posterior (one probability per label, same order as {@link #labels}); returns the best label's index. */
    public int classify(CharSequence text, double[] posterior) {
        System.arraycopy(logPrior, 0, posterior, 0, logPrior.length);
        tokens(text, h -> {
            int row = index.get(h);
            if (row >= 0) {
                double[] ll = logLikelihood[row];
                for (int c = 0; c < ll.length; c++) {
                    posterior[c] += ll[c];
                }
            }
        });
        int best = 0;
        for (int c = 1; c < posterior.length; c++) {
            if (posterior[c] > posterior[best]) {
                best = c;
            }
        }
        double max = posterior[best];
        double sum = 0;
        for (int c = 0; c < posterior.length; c++) {
            posterior[c] = Math.exp(posterior[c] - max);
            sum += posterior[c];
        }
        for (int c = 0; c < posterior.length; c++) {
            posterior[c] /= sum;
        }
        return best;
    }

    interface TokenSink {
        void token(long hash);
    }

    static void tokens(CharSequence s, TokenSink sink) {
        final long seed = 0xcbf29ce484222325L;
        long h = seed;
        long h1 = seed; // hash without the last char, the last two, the last three: a crude stemmer
        long h2 = seed;
        long h3 = seed;
        char c1 = 0;
        char c2 = 0;
        char c3 = 0;
        int len = 0;
        boolean digitsOnly = true;
        int n = s.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : ' ';
            boolean word = c < 128 ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    : Character.isLetterOrDigit(c);
            if (word) {
                char lc = c < 128 ? (c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) : Character.toLowerCase(c);
                h3 = h2;
                h2 = h1;
                h1 = h;
                c3 = c2;
                c2 = c1;
                c1 = lc;
                h = (h ^ lc) * 0x100000001b3L;
                len++;
                digitsOnly &= c >= '0' && c <= '9';
            } else if (len > 0) {
                if (digitsOnly) {
                    sink.token(NUM);
                } else if (len > 1) {
                    // failing/failed/fails -> fail: "ing", "ed", "s" endings are dropped from longer words
                    if (len > 5 && c3 == 'i' && c2 == 'n' && c1 == 'g') {
                        sink.token(h3);
                    } else if (len > 4 && c2 == 'e' && c1 == 'd') {
                        sink.token(h2);
                    } else if (len > 3 && c1 == 's' && c2 != 's') {
                        sink.token(h1);
                    } else {
                        sink.token(h);
                    }
                }
                h = seed;
                h1 = seed;
                h2 = seed;
                h3 = seed;
                c1 = 0;
                c2 = 0;
                c3 = 0;
                len = 0;
                digitsOnly = true;
            }
        }
    }

    private static long fnvString(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** Open addressing long to int map (keys are hashes; 0 is remapped). */
    static final class LongIntMap {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        LongIntMap(int minCapacity) {
            int cap = Integer.highestOneBit(Math.max(2, minCapacity - 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            mask = cap - 1;
        }

        void put(long key, int value) {
            long k = key == 0 ? 1 : key;
            int i = (int) (k ^ (k >>> 32)) & mask;
            while (keys[i] != 0 && keys[i] != k) {
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = value;
        }

        int get(long key) {
            long k = key == 0 ? 1 : key;
            int i = (int) (k ^ (k >>> 32)) & mask;
            while (keys[i] != 0) {
                if (keys[i] == k) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /** Examples file: one example per line; blank lines and lines starting with '#' are ignored. */
    static List<String> exampleLines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                out.add(t);
            }
        }
        return out;
    }
}
