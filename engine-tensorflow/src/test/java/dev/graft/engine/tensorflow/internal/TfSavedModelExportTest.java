package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfSavedModelExportTest {
    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    private static HostTensor random(Random r, int n, long... shape) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return HostTensor.of(v, shape);
    }

    @Test
    void exportedTrainedModelReopensAndRunsLikeTheCompiledOne(@TempDir Path tmp) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn", Layers.dense(b, "fc1", x, 8)));
        Node logits = Layers.dense(b, "fc2", h, 3);
        b.output("probs", b.softmax(logits, -1));
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        Random r = new Random(5);
        Path dir = tmp.resolve("export");
        HostTensor probe = random(r, 20, 5, 4);
        try (CompiledModel m = engine.compile(b.build(), 3)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.05)));
            for (int i = 0; i < 3; i++) {
                m.trainStep(Map.of("x", random(r, 32, 8, 4), "y", HostTensor.ofInts(new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 8)));
            }
            HostTensor expected = m.predict(Map.of("x", probe), "probs");
            HostTensor kernel = m.parameter("fc1.kernel");
            HostTensor movingMean = m.parameter("bn.moving_mean");
            engine.exportSavedModel(m, List.of("probs"), dir);

            try (SavedModel sm = engine.openSavedModel(dir, "serve", SavedModelOptions.trustedModel())) {
                SavedModel.Signature sig = sm.signatures().get("serving_default");
                assertThat(sig).isNotNull();
                assertThat(sig.inputs()).containsOnlyKeys("x");
                assertThat(sig.outputs()).containsOnlyKeys("probs");
                HostTensor got = sm.run("serving_default", Map.of("x", probe), List.of("probs")).get("probs");
                assertThat(got.shape()).isEqualTo(expected.shape());
                float[] e = expected.floats();
                float[] g = got.floats();
                for (int i = 0; i < e.length; i++) {
                    assertThat(g[i]).as("probability %d", i).isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-6f));
                }
                assertThat(sm.variables()).containsKeys("var_param_fc1.kernel", "var_param_bn.moving_mean");
                Map<String, HostTensor> vars = sm.readVariables(List.of("var_param_fc1.kernel", "var_param_bn.moving_mean"));
                assertThat(vars.get("var_param_fc1.kernel").bitEquals(kernel)).isTrue();
                assertThat(vars.get("var_param_bn.moving_mean").bitEquals(movingMean)).isTrue();
            }
            assertThatThrownBy(() -> engine.exportSavedModel(m, List.of("probs"), dir))
                    .isInstanceOf(EngineException.class).hasMessageContaining("not empty");
        }
        assertThat(Files.isRegularFile(dir.resolve("saved_model.pb"))).isTrue();
    }
}
