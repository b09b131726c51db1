package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Engine settings reach TensorFlow: threads, bf16, and graphs that once aborted the process. */
class TfEngineSettingsTest {
    private static final TfEngineProvider PROVIDER = new TfEngineProvider();

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** Layer norm of a fully known shape: TensorFlow's oneDNN remapper aborted the JVM on its SquaredDifference form. */
    @Test
    void layerNormOnAFullyKnownShapeMatchesThePlainJavaFormula() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, 2, 4, 8);
        b.output("y", Layers.layerNorm(b, "ln", x, 1e-5));
        float[] v = random(64, 3);
        try (CompiledModel m = PROVIDER.create(EngineSettings.defaults()).compile(b.build(), 0)) {
            HostTensor y = m.predict(Map.of("x", HostTensor.of(v, 2, 4, 8)), "y");
            for (int row = 0; row < 8; row++) {
                double mean = 0;
                for (int i = 0; i < 8; i++) {
                    mean += v[row * 8 + i];
                }
                mean /= 8;
                double var = 0;
                for (int i = 0; i < 8; i++) {
                    var += (v[row * 8 + i] - mean) * (v[row * 8 + i] - mean);
                }
                var /= 8;
                for (int i = 0; i < 8; i++) {
                    double expected = (v[row * 8 + i] - mean) / Math.sqrt(var + 1e-5); // gamma 1, beta 0 at init
                    assertThat((double) y.getFloat(row * 8 + i)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void settingsAreReportedByTheEngine() {
        // TensorFlow loads here with its default pools if no test before did, so the other tests of this JVM keep them
        PROVIDER.create(EngineSettings.defaults());
        Engine e = PROVIDER.create(EngineSettings.defaults().withThreads(1).withInterOpThreads(1));
        assertThat(e.describe()).containsEntry("threads", "1").containsEntry("interop-threads", "1")
                .containsEntry("precision", "fp32");
        // the pool was sized when TensorFlow loaded: a later engine's threads do not resize it (TfPoolThreadsTest)
        assertThat(e.describe().get("intraop-pool")).startsWith("default (");
        assertThat(TfSessionConfig.of(EngineSettings.defaults().withThreads(3)).getIntraOpParallelismThreads()).isEqualTo(3);
        assertThat(TfSessionConfig.of(EngineSettings.defaults()).hasGraphOptions()).isFalse();
        assertThat(TfSessionConfig.of(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16))
                .getGraphOptions().getRewriteOptions().getAutoMixedPrecisionOnednnBfloat16Value()).isEqualTo(1);
    }

    private static Network dense() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 64);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.dense(b, "fc1", x, 128));
        Node logits = Layers.dense(b, "fc2", h, 4);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    /** bf16 products keep about 3 significant digits; the stored weights stay fp32 and identical at the start. */
    @Test
    void bf16PredictionsStayWithinBfloat16RoundingOfFp32AndTrainingRuns() {
        assumeThat(CpuFeatures.nativeBf16()).as("CPU executes bfloat16 natively").isTrue();
        Network net = dense();
        HostTensor x = HostTensor.of(random(32 * 64, 5), 32, 64);
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            labels[i] = i % 4;
        }
        Map<String, HostTensor> batch = Map.of("x", x, "y", HostTensor.ofInts(labels, 32));
        try (CompiledModel a = PROVIDER.create(EngineSettings.defaults()).compile(net, 7);
                CompiledModel b = PROVIDER.create(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16)).compile(net, 7)) {
            float[] pa = a.predict(Map.of("x", x), "logits").floats();
            float[] pb = b.predict(Map.of("x", x), "logits").floats();
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < pa.length; i++) {
                scale = Math.max(scale, Math.abs(pa[i]));
                diff = Math.max(diff, Math.abs(pa[i] - pb[i]));
            }
            assertThat(diff).as("bf16 vs fp32 logits").isLessThan(0.05 * scale).isGreaterThan(0);
            TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-2));
            a.configureTraining(cfg);
            b.configureTraining(cfg);
            double la = 0;
            double lb = 0;
            for (int i = 0; i < 20; i++) {
                la = a.trainStep(batch).loss();
                lb = b.trainStep(batch).loss();
            }
            assertThat(lb).as("bf16 training loss after 20 steps").isCloseTo(la, org.assertj.core.data.Offset.offset(0.1 * Math.max(la, 0.1)));
            assertThat(a.parameters().keySet()).isEqualTo(b.parameters().keySet());
            assertThat(b.parameters().values()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.FLOAT32));
        }
    }
}
