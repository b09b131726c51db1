package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.Graft;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.HeadSpec;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The loss the trainer reports on validation data is the loss it trains on: on identical examples
 * the engine's training-step loss and the evaluation loss agree, also far beyond where a clamped
 * probability (1e-7, i.e. 16.1 per example) would cap it.
 */
class ValidationLossTest {
    private static final Graft GRAFT = Graft.create();

    /** Features that a head with large weights classifies confidently, half of them wrongly. */
    private static float[][] features(int n, int d) {
        float[][] f = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                f[i][j] = (float) Math.sin(1.7 * i + 0.9 * j) * 3;
            }
        }
        return f;
    }

    private static double[] trainAndEvaluationLoss(Task task, List<String> labels, List<Example> ex, int d) {
        LabelCodec codec = new LabelCodec(task, labels);
        Network net = NetworkAssembler.headOnly(d, GRAFT.head("linear"), new HeadSpec(task, codec.outputs(), List.of(), 0), codec);
        try (CompiledModel m = GRAFT.engines().get("tensorflow").compile(net, 3)) {
            Map<String, HostTensor> big = new LinkedHashMap<>();
            net.initialValues(3).forEach((k, v) -> {
                float[] x = v.floats().clone();
                for (int i = 0; i < x.length; i++) {
                    x[i] = x[i] * 40 + (i % 2 == 0 ? 5 : -5);
                }
                big.put(k, HostTensor.of(x, v.shape().dims()));
            });
            m.setParameters(big);
            float[][] f = features(ex.size(), d);
            FeatureBatches source = new FeatureBatches(f, NetworkAssembler.FEATURES);
            int[] all = new int[ex.size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            double eval = MetricsCalculator.fromLogits(codec, ex,
                    Trainer.predict(m, source, ex.size(), 4, NetworkAssembler.LOGITS, null), 1).loss();
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), s -> 1e-30));
            Map<String, HostTensor> batch = new LinkedHashMap<>(source.inputs(all, true, 0));
            batch.put(NetworkAssembler.LABEL, codec.encode(ex));
            double train = m.trainStep(batch).loss();
            return new double[] {train, eval};
        }
    }

    @Test
    void classificationValidationLossIsTheTrainingLossUnclamped() {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ex.add(new Example("r" + i, null, List.of("a", "b", "c").get(i % 3)));
        }
        double[] l = trainAndEvaluationLoss(Task.CLASSIFICATION, List.of("a", "b", "c"), ex, 5);
        assertThat(l[0]).as("the training loss of these confident, often wrong predictions").isGreaterThan(20);
        assertThat(l[1]).isCloseTo(l[0], within(1e-5 * l[0]));
    }

    @Test
    void multiLabelValidationLossIsTheTrainingLoss() {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ex.add(new Example("r" + i, null, i % 3 == 0 ? "x|y" : i % 3 == 1 ? "y" : "x"));
        }
        double[] l = trainAndEvaluationLoss(Task.MULTI_LABEL, List.of("x", "y"), ex, 4);
        assertThat(l[0]).isGreaterThan(16.2);
        assertThat(l[1]).isCloseTo(l[0], within(1e-5 * l[0]));
    }

    @Test
    void probabilitiesFromLogitsGiveTheSameRankingFigures() {
        LabelCodec codec = new LabelCodec(Task.CLASSIFICATION, List.of("a", "b", "c"));
        List<Example> ex = List.of(new Example("0", null, "a"), new Example("1", null, "b"), new Example("2", null, "c"));
        float[][] z = {{2f, 1f, 0f}, {0f, 3f, 1f}, {5f, 0f, 1f}};
        var m = MetricsCalculator.fromLogits(codec, ex, z, 1);
        assertThat(m.accuracy()).isEqualTo(2 / 3.0);
        double lse0 = Math.log(Math.exp(2) + Math.exp(1) + 1);
        double lse1 = Math.log(1 + Math.exp(3) + Math.exp(1));
        double lse2 = Math.log(Math.exp(5) + 1 + Math.exp(1));
        assertThat(m.loss()).isCloseTo(((lse0 - 2) + (lse1 - 3) + (lse2 - 1)) / 3, within(1e-6));
    }
}
