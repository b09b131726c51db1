package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ops the TensorFlow engine rewrites (softmax families on rank > 2) also work when several dimensions are unknown. */
class TfDynamicShapeTest {
    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    private static dev.graft.engine.spi.graph.Network network(long... xShape) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, xShape);
        Node p = b.param("scale", Initializer.constant(0.5), 1, 3, 1);
        Node ls = b.logSoftmax(b.mul(x, p), 1);
        Node sm = b.softmax(b.mul(x, p), -1);
        b.output("ls", ls);
        b.output("sm", sm);
        b.loss("loss", b.add(b.sum(b.mul(ls, x), false, 0, 1, 2), b.sum(b.mul(sm, x), false, 0, 1, 2)));
        return b.build();
    }

    @Test
    void softmaxFamiliesWithUnknownDimensionsMatchTheStaticallyShapedGraph() {
        float[] v = new float[2 * 3 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i);
        }
        HostTensor in = HostTensor.of(v, 2, 3, 4);
        try (CompiledModel m = engine.compile(network(-1, 3, -1), 0);
                CompiledModel fixed = engine.compile(network(2, 3, 4), 0)) {
            Map<String, HostTensor> out = m.predict(Map.of("x", in), java.util.List.of("ls", "sm"));
            HostTensor ls0 = out.get("ls");
            assertThat(ls0.shape().dims()).containsExactly(2, 3, 4);
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 4; k++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) {
                        s += Math.exp(ls0.getFloat(n * 12 + c * 4 + k));
                    }
                    assertThat(s).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            HostTensor staticLs = fixed.predict(Map.of("x", in), "ls");
            for (int i = 0; i < 24; i++) {
                assertThat(ls0.getFloat(i)).isCloseTo(staticLs.getFloat(i), org.assertj.core.data.Offset.offset(1e-6f));
            }
            TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(0.1));
            m.configureTraining(cfg);
            fixed.configureTraining(cfg);
            HostTensor before = m.parameter("scale");
            double lossDynamic = m.trainStep(Map.of("x", in)).loss();
            double lossStatic = fixed.trainStep(Map.of("x", in)).loss();
            assertThat(lossDynamic).isCloseTo(lossStatic, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(m.parameter("scale").bitEquals(before)).isFalse();
            for (int i = 0; i < 3; i++) {
                assertThat(m.parameter("scale").getFloat(i))
                        .isCloseTo(fixed.parameter("scale").getFloat(i), org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }
}
