package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PtSmokeTest {
    @Test
    void mlpLossFallsWithAdam() {
        Engine engine = new ServiceLoaderEngineRegistry().get("pytorch");
        System.out.println(engine.describe());
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 2);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.dense(b, "fc1", x, 16));
        Node logits = Layers.dense(b, "fc2", h, 2);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        try (CompiledModel m = engine.compile(b.build(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.05)));
            Random r = new Random(3);
            float[] xs = new float[64 * 2];
            int[] ys = new int[64];
            for (int i = 0; i < 64; i++) {
                xs[2 * i] = (float) r.nextGaussian();
                xs[2 * i + 1] = (float) r.nextGaussian();
                ys[i] = xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0;
            }
            Map<String, HostTensor> batch = Map.of("x", HostTensor.of(xs, 64, 2), "y", HostTensor.ofInts(ys, 64));
            StepResult first = m.trainStep(batch);
            StepResult last = first;
            for (int i = 0; i < 300; i++) {
                last = m.trainStep(batch);
            }
            System.out.println("loss " + first.loss() + " -> " + last.loss());
            assertThat(last.loss()).isLessThan(first.loss() * 0.5);
            assertThat(m.step()).isEqualTo(301);
        }
    }
}
