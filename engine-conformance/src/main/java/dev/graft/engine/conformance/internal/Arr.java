package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense row-major array of doubles with an int shape: the reference side of every check. It
 * knows nothing about engines; values cross to an engine only as {@link HostTensor}s.
 */
public final class Arr {
    final int[] shape;
    final double[] v;

    Arr(int[] shape, double[] v) {
        this.shape = shape.clone();
        if (v.length != size(shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + size(shape) + " values, got " + v.length);
        }
        this.v = v;
    }

    static Arr zeros(int... shape) {
        return new Arr(shape, new double[size(shape)]);
    }

    static Arr of(double[] v, int... shape) {
        return new Arr(shape, v.clone());
    }

    /** Standard normal values. */
    static Arr randn(SplittableRandom r, int... shape) {
        double[] v = new double[size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = gaussian(r);
        }
        return new Arr(shape, v);
    }

    /** Uniform in [lo, hi). */
    static Arr uniform(SplittableRandom r, double lo, double hi, int... shape) {
        double[] v = new double[size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return new Arr(shape, v);
    }

    /** Random values whose magnitude is at least {@code gap}: keeps kinks (relu, |x|) out of reach of finite differences. */
    static Arr awayFromZero(SplittableRandom r, double gap, int... shape) {
        Arr a = randn(r, shape);
        for (int i = 0; i < a.v.length; i++) {
            a.v[i] = Math.copySign(gap + Math.abs(a.v[i]), a.v[i]);
        }
        return a;
    }

    /** A shuffled ladder of distinct values {@code spacing} apart: max is unique with margin. */
    static Arr distinct(SplittableRandom r, double spacing, int... shape) {
        int n = size(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - n / 2.0) * spacing;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return new Arr(shape, v);
    }

    static int size(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    int size() {
        return v.length;
    }

    int rank() {
        return shape.length;
    }

    int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    long[] longShape() {
        long[] l = new long[shape.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = shape[i];
        }
        return l;
    }

    int[] strides() {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    double get(int... idx) {
        return v[offset(idx)];
    }

    void set(double value, int... idx) {
        v[offset(idx)] = value;
    }

    int offset(int... idx) {
        int o = 0;
        for (int i = 0; i < idx.length; i++) {
            o = o * shape[i] + idx[i];
        }
        return o;
    }

    /** Multi-index of a flat offset. */
    int[] index(int flat) {
        int[] idx = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
        return idx;
    }

    Arr copy() {
        return new Arr(shape, v.clone());
    }

    /** As float32 host tensor (values rounded to float). */
    HostTensor host() {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return HostTensor.of(f, longShape());
    }

    HostTensor hostInts() {
        int[] f = new int[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (int) v[i];
        }
        return HostTensor.ofInts(f, longShape());
    }

    HostTensor host(DType t) {
        return t == DType.INT32 ? hostInts() : host();
    }

    /** Rounds to float32 in place, so the reference sees exactly what the engine is fed. */
    Arr roundToFloat() {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) v[i];
        }
        return this;
    }

    static Arr fromHost(HostTensor t) {
        long[] s = t.shape().dims();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
        }
        double[] v = new double[Math.toIntExact(t.size())];
        if (t.dtype() == DType.INT32) {
            int[] x = t.ints();
            for (int i = 0; i < v.length; i++) {
                v[i] = x[i];
            }
        } else {
            float[] x = t.floats();
            for (int i = 0; i < v.length; i++) {
                v[i] = x[i];
            }
        }
        return new Arr(shape, v);
    }

    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    @Override
    public String toString() {
        return Arrays.toString(shape) + Arrays.toString(Arrays.copyOf(v, Math.min(8, v.length)));
    }
}
