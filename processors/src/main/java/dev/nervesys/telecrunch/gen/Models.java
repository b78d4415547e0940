package dev.nervesys.telecrunch.gen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.SchemaException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The value models; each reads its parameters from the field's {@code model:} mapping. */
final class Models {

    private Models() {
    }

    private static boolean numeric(FieldType t) {
        return t == FieldType.INT || t == FieldType.FLOAT;
    }

    /** Bounded random walk: Gaussian steps, reflected at min and max. */
    static final class Walk extends ValueModel {
        private final double step;
        private double x;

        Walk(FieldSpec spec, JsonNode m) {
            super(spec);
            step = m.path("step").asDouble((hi() - lo()) / 1000);
            x = m.path("start").asDouble((lo() + hi()) / 2);
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            x += rnd.nextGaussian() * step;
            if (x > hi()) {
                x = 2 * hi() - x;
            }
            if (x < lo()) {
                x = 2 * lo() - x;
            }
            return quantize(x);
        }

        @Override
        protected boolean supports(FieldType t) {
            return numeric(t);
        }
    }

    /** offset + amplitude * sin(2 pi t / period) + Gaussian noise. */
    static final class Sine extends ValueModel {
        private final double offset;
        private final double amplitude;
        private final double omega;
        private final double noise;
        private final double phase;

        Sine(FieldSpec spec, JsonNode m) {
            super(spec);
            offset = m.path("offset").asDouble((lo() + hi()) / 2);
            amplitude = m.path("amplitude").asDouble((hi() - lo()) / 4);
            double period = m.path("periodS").asDouble(60);
            if (period <= 0) {
                throw new SchemaException(spec.name(), "model periodS must be > 0");
            }
            omega = 2 * Math.PI / (period * 1e9);
            noise = m.path("noise").asDouble(0);
            phase = m.path("phase").asDouble(0);
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            // time modulo a day keeps the double argument precise for epoch-sized nanos
            double t = Math.floorMod(nanos, 86_400_000_000_000L);
            return quantize(offset + amplitude * Math.sin(omega * t + phase) + noise * rnd.nextGaussian());
        }

        @Override
        protected boolean supports(FieldType t) {
            return numeric(t);
        }
    }

    /** Holds one of the levels for a random number of records, then jumps to another. */
    static final class Step extends ValueModel {
        private final double[] levels;
        private final int holdMin;
        private final int holdMax;
        private int left;
        private long current;

        Step(FieldSpec spec, JsonNode m) {
            super(spec);
            JsonNode l = m.path("levels");
            levels = new double[Math.max(1, l.size())];
            if (l.isEmpty()) {
                levels[0] = lo();
            }
            for (int i = 0; i < l.size(); i++) {
                levels[i] = l.get(i).asDouble();
            }
            holdMin = Math.max(1, m.path("holdMin").asInt(100));
            holdMax = Math.max(holdMin, m.path("holdMax").asInt(holdMin * 10));
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            if (left-- <= 0) {
                current = quantize(levels[rnd.nextInt(levels.length)]);
                left = holdMin + rnd.nextInt(holdMax - holdMin + 1);
            }
            return current;
        }

        @Override
        protected boolean supports(FieldType t) {
            return numeric(t);
        }
    }

    /** Monotonic counter that wraps to min at max. */
    static final class Counter extends ValueModel {
        private final long increment;
        private long value;

        Counter(FieldSpec spec, JsonNode m) {
            super(spec);
            increment = m.path("increment").asLong(1);
            value = spec.minUnit() + m.path("start").asLong(0);
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            value += increment;
            if (value > spec.maxUnit() || value < spec.minUnit()) {
                value = spec.minUnit();
            }
            return value;
        }

        @Override
        protected boolean supports(FieldType t) {
            return t == FieldType.INT;
        }
    }

    static final class Constant extends ValueModel {
        private final long unit;

        Constant(FieldSpec spec, JsonNode m) {
            super(spec);
            unit = quantize(m.path("value").asDouble(lo()));
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            return unit;
        }

        @Override
        protected boolean supports(FieldType t) {
            return numeric(t);
        }
    }

    /** A boolean that toggles with probability p per record. */
    static final class Flag extends ValueModel {
        private final double p;
        private long value;

        Flag(FieldSpec spec, JsonNode m) {
            super(spec);
            p = m.path("p").asDouble(0.001);
            value = m.path("start").asBoolean(false) ? 1 : 0;
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            if (rnd.nextDouble() < p) {
                value ^= 1;
            }
            return value;
        }

        @Override
        protected boolean supports(FieldType t) {
            return t == FieldType.BOOL;
        }
    }

    /** Enum state machine: stays with probability {@code stay}, else moves to a neighbouring state. */
    static final class Markov extends ValueModel {
        private final double stay;
        private final int n;
        private long state;

        Markov(FieldSpec spec, JsonNode m) {
            super(spec);
            stay = m.path("stay").asDouble(0.99);
            n = spec.enumValues().size();
            String start = m.path("start").asText(spec.enumValues().get(0));
            int idx = spec.enumValues().indexOf(start);
            if (idx < 0) {
                throw new SchemaException(spec.name(), "model start '" + start + "' is not one of " + spec.enumValues());
            }
            state = idx;
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            if (n > 1 && rnd.nextDouble() >= stay) {
                state = rnd.nextBoolean() ? (state + 1) % n : (state + n - 1) % n;
            }
            return state;
        }

        @Override
        protected boolean supports(FieldType t) {
            return t == FieldType.ENUM;
        }
    }

    /** Record time plus a fixed offset, at the field's resolution. */
    static final class Clock extends ValueModel {
        private final long offsetNanos;

        Clock(FieldSpec spec, JsonNode m) {
            super(spec);
            offsetNanos = Math.round(m.path("offsetS").asDouble(0) * 1e9);
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            return Math.floorDiv(nanos + offsetNanos, spec.resolutionNanos());
        }

        @Override
        protected boolean supports(FieldType t) {
            return t == FieldType.TIME;
        }
    }

    /** Picks one of the listed strings (repeat a value to make it likelier). */
    static final class Pick extends ValueModel {
        private final String[] values;

        Pick(FieldSpec spec, JsonNode m) {
            super(spec);
            List<String> v = new ArrayList<>();
            m.path("values").forEach(x -> v.add(x.asText()));
            if (v.isEmpty()) {
                v.add("");
            }
            for (String s : v) {
                if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > spec.maxLength()) {
                    throw new SchemaException(spec.name(), "model value '" + s + "' is longer than maxLength " + spec.maxLength());
                }
            }
            values = v.toArray(new String[0]);
        }

        @Override
        public long next(SplittableRandom rnd, long nanos) {
            return 0;
        }

        @Override
        public String nextString(SplittableRandom rnd) {
            return values[rnd.nextInt(values.length)];
        }

        @Override
        protected boolean supports(FieldType t) {
            return t == FieldType.STRING;
        }
    }
}
