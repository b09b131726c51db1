package dev.graft.engine.spi.graph;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * How a parameter's first values are drawn. Values are generated on the host from the network's
 * seed and the parameter's name, so every engine starts from the same weights.
 */
public sealed interface Initializer {
    /** Fills a tensor of the given shape. */
    HostTensor create(Shape shape, DType dtype, long seed, String paramName);

    /** A short spec, e.g. {@code he_normal} or {@code constant:0.5}, stored in definitions. */
    String spec();

    static Initializer zeros() {
        return new Constant(0);
    }

    static Initializer ones() {
        return new Constant(1);
    }

    static Initializer constant(double v) {
        return new Constant(v);
    }

    static Initializer normal(double std) {
        return new Normal(std, false);
    }

    static Initializer truncatedNormal(double std) {
        return new Normal(std, true);
    }

    static Initializer glorotUniform() {
        return new Fan(Fan.Kind.GLOROT_UNIFORM);
    }

    static Initializer heNormal() {
        return new Fan(Fan.Kind.HE_NORMAL);
    }

    static Initializer heUniform() {
        return new Fan(Fan.Kind.HE_UNIFORM);
    }

    /** Parses a spec written by {@link #spec()}. */
    static Initializer parse(String spec) {
        String[] p = spec.split(":", 2);
        return switch (p[0]) {
            case "constant" -> new Constant(Double.parseDouble(p[1]));
            case "normal" -> new Normal(Double.parseDouble(p[1]), false);
            case "truncated_normal" -> new Normal(Double.parseDouble(p[1]), true);
            case "glorot_uniform" -> glorotUniform();
            case "he_normal" -> heNormal();
            case "he_uniform" -> heUniform();
            default -> throw new IllegalArgumentException("unknown initializer '" + spec + "'");
        };
    }

    /** A random source unique to (seed, parameter name). */
    static SplittableRandom random(long seed, String paramName) {
        long h = 0xcbf29ce484222325L;
        for (byte b : paramName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    /** Every element equal to {@code value}. */
    record Constant(double value) implements Initializer {
        @Override
        public HostTensor create(Shape shape, DType dtype, long seed, String paramName) {
            int n = Math.toIntExact(shape.size());
            if (dtype == DType.INT32) {
                int[] v = new int[n];
                java.util.Arrays.fill(v, (int) value);
                return HostTensor.ofInts(v, shape.dims());
            }
            float[] v = new float[n];
            java.util.Arrays.fill(v, (float) value);
            return HostTensor.of(v, shape.dims());
        }

        @Override
        public String spec() {
            return "constant:" + value;
        }
    }

    /** Normal with mean 0; truncated at two standard deviations when {@code truncated}. */
    record Normal(double std, boolean truncated) implements Initializer {
        @Override
        public HostTensor create(Shape shape, DType dtype, long seed, String paramName) {
            SplittableRandom r = random(seed, paramName);
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (std * gaussian(r, truncated));
            }
            return HostTensor.of(v, shape.dims());
        }

        @Override
        public String spec() {
            return (truncated ? "truncated_normal:" : "normal:") + std;
        }
    }

    /** Fan-scaled initializers: Glorot (Xavier) uniform and He (Kaiming) normal/uniform. */
    record Fan(Kind kind) implements Initializer {
        /** The scaling rule. */
        public enum Kind { GLOROT_UNIFORM, HE_NORMAL, HE_UNIFORM }

        @Override
        public HostTensor create(Shape shape, DType dtype, long seed, String paramName) {
            long receptive = 1;
            for (int i = 0; i < shape.rank() - 2; i++) {
                receptive *= shape.dim(i);
            }
            double fanIn = shape.rank() >= 2 ? shape.dim(-2) * receptive : shape.size();
            double fanOut = shape.rank() >= 2 ? shape.dim(-1) * receptive : shape.size();
            SplittableRandom r = random(seed, paramName);
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) switch (kind) {
                    case GLOROT_UNIFORM -> uniform(r, Math.sqrt(6.0 / (fanIn + fanOut)));
                    case HE_NORMAL -> Math.sqrt(2.0 / fanIn) * gaussian(r, true) / 0.87962566103423978;
                    case HE_UNIFORM -> uniform(r, Math.sqrt(6.0 / fanIn));
                };
            }
            return HostTensor.of(v, shape.dims());
        }

        @Override
        public String spec() {
            return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static double uniform(SplittableRandom r, double limit) {
        return (r.nextDouble() * 2 - 1) * limit;
    }

    private static double gaussian(SplittableRandom r, boolean truncated) {
        while (true) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            double g = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
            if (!truncated || Math.abs(g) <= 2) {
                return g;
            }
        }
    }
}
