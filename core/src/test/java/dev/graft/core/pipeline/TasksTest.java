package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TasksTest {
    @TempDir
    Path dir;

    @Test
    void multiLabelHeadLearnsIndependentLabelsWithSigmoid() throws Exception {
        List<Example> data = new ArrayList<>();
        for (Example e : Runs.DATA) {
            float[] x = (float[]) e.input();
            String l = (x[0] > 0 ? "pos0" : "neg0") + (x[1] > 0 ? "|pos1" : "");
            data.add(new Example(e.source(), x, l));
        }
        PipelineResult r = Runs.GRAFT.pipeline().data(data).backbone("tiny-mlp", Map.of()).strategy("fine-tuning", Map.of())
                .head(HeadConfig.mlp(Task.MULTI_LABEL, List.of(16), 0)).trainer(Runs.trainer(25).withLearningRate(0.03))
                .cacheDir(dir).run();
        assertThat(r.model().labels().labels()).containsExactly("neg0", "pos0", "pos1");
        assertThat(r.history().epochs().get(24).trainLoss()).isLessThan(r.history().epochs().get(0).trainLoss());
        assertThat(r.validation().accuracy()).isGreaterThan(0.7);
        try (Predictor p = Predictor.open(r.model(), Runs.GRAFT.engines().get(null), Runs.GRAFT.backbones())) {
            Prediction pr = p.predict(data.subList(0, 1)).get(0);
            assertThat(pr.scores().values()).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
            double sum = pr.scores().values().stream().mapToDouble(Double::doubleValue).sum();
            assertThat(sum).isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3)); // sigmoids, not a softmax
        }
    }

    @Test
    void regressionHeadFitsALinearTargetWithMeanSquaredError() throws Exception {
        List<Example> data = new ArrayList<>();
        for (Example e : Runs.DATA) {
            float[] x = (float[]) e.input();
            data.add(new Example(e.source(), x, Float.toString(0.5f * x[0] - x[2])));
        }
        PipelineResult r = Runs.GRAFT.pipeline().data(data).backbone("tiny-mlp", Map.of())
                .strategy("fine-tuning", Map.of("backboneLr", "0.01")).head(HeadConfig.linear(Task.REGRESSION))
                .trainer(Runs.trainer(30).withLearningRate(0.02)).cacheDir(dir).run();
        double first = r.history().epochs().get(0).validation().loss();
        double last = r.validation().loss();
        assertThat(last).isLessThan(first * 0.5);
        assertThat(r.validation().meanAbsoluteError()).isFinite();
        assertThat(r.model().manifest().predictionOutput()).isEqualTo("values");
    }
}
