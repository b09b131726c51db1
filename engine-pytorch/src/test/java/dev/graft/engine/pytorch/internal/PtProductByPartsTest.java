package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A product by concatenated kernels (BERT's query, key and value projection) is taken by each part: the kernel
 * concatenation is never built, and inference (the pass that frees values after their last use) gives the plain-Java
 * product at 1, 3 and 40 rows. Gradients are checked against TensorFlow in {@link PtMatchesTensorFlowTest}.
 */
class PtProductByPartsTest {
    private static final int IN = 12;
    private static final int WIDTH = 7;

    /** y = x concat(a, b, c) + concat(p, q, r), then a second product reading y, so the pass frees values. */
    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node k = b.concat(1, b.param("a", Initializer.truncatedNormal(1.0), IN, WIDTH),
                b.param("b", Initializer.truncatedNormal(1.0), IN, WIDTH), b.param("c", Initializer.truncatedNormal(1.0), IN, WIDTH));
        Node bias = b.concat(0, b.param("p", Initializer.truncatedNormal(1.0), WIDTH),
                b.param("q", Initializer.truncatedNormal(1.0), WIDTH), b.param("r", Initializer.truncatedNormal(1.0), WIDTH));
        Node y = b.add(b.matmul(x, k), bias);
        b.output("y", y);
        b.output("z", b.relu(y));
        return b.build();
    }

    @Test
    void theKernelConcatenationIsNeverBuilt() {
        Network net = net();
        PtGraphPlan plan = new PtGraphPlan(net);
        Node product = net.nodes().stream().filter(n -> n.op() == dev.graft.engine.spi.graph.Op.MATMUL).findFirst().orElseThrow();
        assertThat(plan.byParts(product.id())).isTrue();
        assertThat(plan.skippedKernel(product.id())).isEqualTo(product.input(1));
        assertThat(plan.fusedAway(product.input(1))).as("the kernel concatenation is not computed").isTrue();
    }

    @Test
    void inferenceMatchesAPlainJavaProduct() {
        Engine engine = new ServiceLoaderEngineRegistry().get("pytorch");
        Random rnd = new Random(5);
        try (CompiledModel m = engine.compile(net(), 9)) {
            Map<String, HostTensor> p = m.parameters();
            for (int rows : new int[] {1, 3, 40}) {
                float[] xv = new float[rows * IN];
                for (int i = 0; i < xv.length; i++) {
                    xv[i] = (float) rnd.nextGaussian();
                }
                HostTensor x = HostTensor.of(xv, rows, IN);
                Map<String, HostTensor> out = m.predict(Map.of("x", x), java.util.List.of("y", "z"));
                HostTensor y = out.get("y");
                HostTensor z = out.get("z");
                assertThat(y.shape().dims()).containsExactly(rows, 3 * WIDTH);
                for (int i = 0; i < rows; i++) {
                    for (int part = 0; part < 3; part++) {
                        HostTensor k = p.get(String.valueOf((char) ('a' + part)));
                        HostTensor bias = p.get(String.valueOf((char) ('p' + part)));
                        for (int j = 0; j < WIDTH; j++) {
                            double s = bias.getFloat(j);
                            for (int t = 0; t < IN; t++) {
                                s += (double) xv[i * IN + t] * k.getFloat(t * WIDTH + j);
                            }
                            int at = i * 3 * WIDTH + part * WIDTH + j;
                            float tol = 1e-5f * (float) Math.max(1, Math.abs(s));
                            assertThat(y.getFloat(at)).as("rows %d: y[%d, %d]", rows, i, part * WIDTH + j).isCloseTo((float) s, within(tol));
                            assertThat(z.getFloat(at)).as("rows %d: z[%d, %d]", rows, i, part * WIDTH + j)
                                    .isCloseTo((float) Math.max(0, s), within(tol));
                        }
                    }
                }
            }
        }
    }
}
