package dev.graft.engine.pytorch.internal;

import static dev.graft.engine.pytorch.internal.PtMatchesTensorFlowTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An inference pass computes dense layers as one {@code linear} call, frees values after their last use and
 * updates values nobody else reads in place: checked against plain Java, including values the caller asks
 * for alongside (which must come back untouched).
 */
class PtInferencePassTest {
    static final int N = 3;
    static final int IN = 4;
    private static final int H = 5;

    /** x [3, 4] -> h = x w1 + b1 -> s = 2 h -> r = s w2^T + b2 + s -> t = r - c -> y = gelu(t). */
    record Net(Network network, Node h, Node product, Node hAdd, Node rAdd) {
    }

    static Net build(boolean productIsOutput) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node w1 = b.param("w1", Initializer.glorotUniform(), IN, H);
        Node b1 = b.param("b1", Initializer.glorotUniform(), H);
        Node w2 = b.param("w2", Initializer.glorotUniform(), H, H);
        Node b2 = b.param("b2", Initializer.glorotUniform(), H);
        Node c = b.param("c", Initializer.glorotUniform(), H);
        Node product = b.matmul(x, w1);
        Node h = b.add(product, b1);
        Node s = b.mul(h, b.scalar(2));
        Node rAdd = b.add(b2, b.matmul(s, w2, false, true));
        Node r = b.add(rAdd, s);
        Node y = b.gelu(b.sub(r, c));
        b.output("y", y);
        b.output("h", h);
        if (productIsOutput) {
            b.output("product", product);
        }
        return new Net(b.build(), h, product, h, rAdd);
    }

    static float[] expected(float[] x, Map<String, HostTensor> p, boolean wantH) {
        float[] w1 = p.get("w1").floats();
        float[] b1 = p.get("b1").floats();
        float[] w2 = p.get("w2").floats();
        float[] b2 = p.get("b2").floats();
        float[] c = p.get("c").floats();
        float[] hs = new float[N * H];
        float[] ys = new float[N * H];
        for (int n = 0; n < N; n++) {
            double[] s = new double[H];
            for (int j = 0; j < H; j++) {
                double acc = b1[j];
                for (int i = 0; i < IN; i++) {
                    acc += (double) x[n * IN + i] * w1[i * H + j];
                }
                hs[n * H + j] = (float) acc;
                s[j] = 2 * acc;
            }
            for (int j = 0; j < H; j++) {
                double acc = b2[j] + s[j];
                for (int i = 0; i < H; i++) {
                    acc += s[i] * w2[j * H + i];
                }
                double t = acc - c[j];
                ys[n * H + j] = (float) (0.5 * t * (1 + erf(t / Math.sqrt(2))));
            }
        }
        return wantH ? hs : ys;
    }

    /** The Maclaurin series of erf, to double precision for the small arguments here. */
    private static double erf(double z) {
        double a = Math.abs(z);
        double sum = 0;
        double term = a;
        for (int k = 0; k < 200; k++) {
            sum += term / (2 * k + 1);
            term *= -a * a / (k + 1);
        }
        double v = 2 / Math.sqrt(Math.PI) * sum;
        return z < 0 ? -v : v;
    }

    @Test
    void denseLayersRunAsLinearUnlessTheProductIsAnOutput() {
        Net plain = build(false);
        PtGraphPlan p = new PtGraphPlan(plain.network());
        assertThat(p.linearProduct(plain.hAdd().id())).isEqualTo(plain.product().id());
        assertThat(p.fusedAway(plain.product().id())).isTrue();
        assertThat(p.linearProduct(plain.rAdd().id())).as("bias first, transposed kernel").isNotNegative();
        Net withProduct = build(true);
        assertThat(new PtGraphPlan(withProduct.network()).linearProduct(withProduct.hAdd().id())).isEqualTo(-1);
    }

    @Test
    void fusedInPlaceAndFreeingPassMatchesPlainJava() {
        float[] x = PtOpsTest.random(7, N * IN);
        try (CompiledModel m = new ServiceLoaderEngineRegistry().get("pytorch").compile(build(false).network(), 3)) {
            Map<String, HostTensor> params = m.parameters();
            for (int call = 0; call < 3; call++) {
                HostTensor y = m.predict(Map.of("x", HostTensor.of(x, N, IN)), "y");
                assertClose("y, call " + call, y.floats(), expected(x, params, false), 1e-5);
            }
            assertThat(((PtCompiledModel) m).liveTensorCount()).as("only the parameters stay").isEqualTo(params.size());
        }
    }

    @Test
    void valuesAskedForAlongsideAreNeitherOverwrittenNorFreed() {
        float[] x = PtOpsTest.random(8, N * IN);
        for (boolean productIsOutput : new boolean[] {false, true}) {
            try (CompiledModel m = new ServiceLoaderEngineRegistry().get("pytorch").compile(build(productIsOutput).network(), 3)) {
                Map<String, HostTensor> params = m.parameters();
                List<String> asked = productIsOutput ? List.of("h", "y", "product") : List.of("h", "y");
                Map<String, HostTensor> out = m.predict(Map.of("x", HostTensor.of(x, N, IN)), asked);
                assertClose("h (the scaled value is computed from it in place when nobody asks for it)", out.get("h").floats(),
                        expected(x, params, true), 1e-5);
                assertClose("y", out.get("y").floats(), expected(x, params, false), 1e-5);
                if (productIsOutput) {
                    float[] h = out.get("h").floats();
                    float[] b1 = params.get("b1").floats();
                    float[] product = out.get("product").floats();
                    for (int i = 0; i < h.length; i++) {
                        assertThat((double) product[i]).as("product " + i).isCloseTo(h[i] - b1[i % H], org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
    }

    /** x [3, 4] -> z = x w1 + b1 -> g = geluTanh(z) -> y = g w2 + b2; z optionally asked for too. */
    private static Network geluTanhNet() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node z = b.add(b.matmul(x, b.param("w1", Initializer.truncatedNormal(2.0), IN, H)), b.param("b1", Initializer.glorotUniform(), H));
        Node g = b.geluTanh(z);
        b.output("z", z);
        b.output("g", g);
        b.output("y", b.add(b.matmul(g, b.param("w2", Initializer.glorotUniform(), H, H)), b.param("b2", Initializer.glorotUniform(), H)));
        return b.build();
    }

    /** Google BERT's GELU in double: 0.5 z (1 + tanh(sqrt(2 / pi) (z + 0.044715 z^3))). */
    private static double geluTanh(double z) {
        return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
    }

    @Test
    void tanhGeluOfAnInferencePassMatchesPlainJavaWhetherOrNotItsInputIsAskedFor() {
        float[] x = PtOpsTest.random(9, N * IN);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 3; // pre-activations from about -20 to 20: both tails and the bend
        }
        try (CompiledModel m = new ServiceLoaderEngineRegistry().get("pytorch").compile(geluTanhNet(), 5)) {
            Map<String, HostTensor> p = m.parameters();
            float[] w1 = p.get("w1").floats();
            float[] b1 = p.get("b1").floats();
            float[] w2 = p.get("w2").floats();
            float[] b2 = p.get("b2").floats();
            float[] z = new float[N * H];
            float[] g = new float[N * H];
            float[] y = new float[N * H];
            for (int n = 0; n < N; n++) {
                for (int j = 0; j < H; j++) {
                    double acc = b1[j];
                    for (int i = 0; i < IN; i++) {
                        acc += (double) x[n * IN + i] * w1[i * H + j];
                    }
                    z[n * H + j] = (float) acc;
                    g[n * H + j] = (float) geluTanh(acc);
                }
                for (int j = 0; j < H; j++) {
                    double acc = b2[j];
                    for (int i = 0; i < H; i++) {
                        acc += (double) g[n * H + i] * w2[i * H + j];
                    }
                    y[n * H + j] = (float) acc;
                }
            }
            assertThat(java.util.Arrays.stream(toDoubles(z)).min().orElseThrow()).as("a negative tail").isLessThan(-4);
            assertThat(java.util.Arrays.stream(toDoubles(z)).max().orElseThrow()).as("a positive tail").isGreaterThan(4);
            HostTensor in = HostTensor.of(x, N, IN);
            assertClose("y alone (the pre-activation is overwritten)", m.predict(Map.of("x", in), "y").floats(), y, 1e-5);
            assertClose("g alone", m.predict(Map.of("x", in), "g").floats(), g, 1e-5);
            Map<String, HostTensor> all = m.predict(Map.of("x", in), List.of("z", "g", "y"));
            assertClose("z asked for alongside (must come back untouched)", all.get("z").floats(), z, 1e-5);
            assertClose("g with z", all.get("g").floats(), g, 1e-5);
            assertClose("y with z", all.get("y").floats(), y, 1e-5);
            assertThat(((PtCompiledModel) m).liveTensorCount()).as("only the parameters stay").isEqualTo(p.size());
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
