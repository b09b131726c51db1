package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

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

    /** The parameters as double arrays, by name. */
    static Map<String, double[]> toDouble(Map<String, HostTensor> params) {
        Map<String, double[]> p = new HashMap<>();
        params.forEach((k, v) -> p.put(k, toDouble(v)));
        return p;
    }

    /**
     * Asserts that one SGD step at learning rate 1 (no momentum) moved each named parameter from {@code before} to
     * {@code after} by its gradient as central differences of {@code loss}, computed in double at {@code before}:
     * within 1e-4 of the parameter's largest gradient (float rounding of sums over rows).
     */
    static void assertStepIsTheCentralDifference(Map<String, HostTensor> before, Map<String, HostTensor> after,
            ToDoubleFunction<Map<String, double[]>> loss, List<String> params) {
        Map<String, double[]> p = toDouble(before);
        for (String name : params) {
            double[] v = p.get(name);
            double[] expected = new double[v.length];
            double scale = 0;
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + 1e-6;
                double up = loss.applyAsDouble(p);
                v[i] = keep - 1e-6;
                double down = loss.applyAsDouble(p);
                v[i] = keep;
                expected[i] = (up - down) / 2e-6;
                scale = Math.max(scale, Math.abs(expected[i]));
            }
            for (int i = 0; i < v.length; i++) {
                double got = (double) before.get(name).getFloat(i) - after.get(name).getFloat(i);
                assertThat(got).as("%s gradient %d", name, i).isCloseTo(expected[i], within(1e-4 * (scale + Math.abs(expected[i]))));
            }
        }
    }

    /**
     * Asserts that each named parameter of {@code a} equals {@code b}'s: bit for bit when {@code exactly}, else each value
     * within 4 ulp of {@code |b| + 1}.
     */
    static void assertSameParameters(CompiledModel a, CompiledModel b, List<String> names, boolean exactly) {
        for (String name : names) {
            float[] x = a.parameter(name).floats();
            float[] y = b.parameter(name).floats();
            if (exactly) {
                assertThat(x).as(name).containsExactly(y);
            } else {
                for (int i = 0; i < x.length; i++) {
                    assertThat(x[i]).as("%s %d", name, i).isCloseTo(y[i], within(4 * Math.ulp(Math.abs(y[i]) + 1)));
                }
            }
        }
    }
}
