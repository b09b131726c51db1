package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.HostTensor;
import java.util.Random;

/** Random inputs and double copies for this package's gradient tests. */
final class TestTensors {
    private TestTensors() {
    }

    /** Independent normal values with standard deviation {@code scale}. */
    static HostTensor gaussian(Random r, double scale, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * r.nextGaussian());
        }
        return HostTensor.of(v, shape);
    }

    static double[] toDouble(HostTensor t) {
        float[] f = t.floats();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
