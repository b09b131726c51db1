package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrategiesTrainWhatTheyPlanTest {
    @TempDir
    Path cache;

    /** Asserts which parameters changed (exactly those matching {@code trained}) and which stayed bit-identical. */
    private static void assertTrained(PipelineResult r, Predicate<String> trained) {
        Map<String, HostTensor> before = Runs.initial(r.model().network(), 7);
        Map<String, HostTensor> after = r.model().weights();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        List<String> wronglyChanged = new ArrayList<>();
        List<String> wronglyKept = new ArrayList<>();
        for (String name : before.keySet()) {
            boolean same = before.get(name).bitEquals(after.get(name));
            if (trained.test(name) && same) {
                wronglyKept.add(name);
            }
            if (!trained.test(name) && !same) {
                wronglyChanged.add(name);
            }
        }
        assertThat(wronglyChanged).as("frozen parameters that changed").isEmpty();
        assertThat(wronglyKept).as("trainable parameters that did not change").isEmpty();
    }

    @Test
    void featureExtractionTrainsOnlyTheHeadAndKeepsBatchNormStatistics() throws Exception {
        PipelineResult r = Runs.pipeline("feature-extraction", Map.of("cache", "false"), Runs.trainer(2), cache).run();
        assertTrained(r, n -> n.startsWith("head."));
        assertThat(r.featureCache()).isNull();
        assertThat(r.planReport()).contains("frozen").contains("0 of 3 layer(s) on batch statistics").contains("51 trainable parameters");
    }

    @Test
    void cachedFeatureExtractionTrainsOnlyTheHead() throws Exception {
        PipelineResult r = Runs.pipeline("feature-extraction", Map.of("head", "sgd"), Runs.trainer(20).withLearningRate(0.05), cache).run();
        assertTrained(r, n -> n.startsWith("head."));
        assertThat(r.featureCache()).isNotNull();
        assertThat(r.validation().accuracy()).isGreaterThan(0.6); // chance is 1/3
    }

    @Test
    void fineTuningTopBlockWithFrozenBatchNormTrainsOnlyItsDenseLayerAndTheHead() throws Exception {
        PipelineResult r = Runs.pipeline("fine-tuning", Map.of("blocks", "1", "batchNorm", "frozen"), Runs.trainer(2), cache)
                .run();
        assertTrained(r, n -> n.startsWith("head.") || n.startsWith("backbone.block3.fc."));
        // head 16*3+3 = 51, block3 dense 16*16+16 = 272
        assertThat(r.planReport()).contains("323 trainable parameters");
    }

    @Test
    void fineTuningWithBatchNormTrainUpdatesMovingStatisticsOfEveryBlock() throws Exception {
        PipelineResult r = Runs.pipeline("fine-tuning", Map.of("batchNorm", "train"), Runs.trainer(2), cache).run();
        assertTrained(r, n -> true);
    }

    @Test
    void hybridFreezesBlocksBelowTheCutPointAndTrainsAffineBatchNormAbove() throws Exception {
        PipelineResult r = Runs.pipeline("hybrid", Map.of("cut", "block2", "batchNorm", "affine"), Runs.trainer(2), cache).run();
        assertTrained(r, n -> n.startsWith("head.") || (!n.startsWith("backbone.block1.") && !n.contains("moving_")));
    }

    @Test
    void hybridGradualUnfreezingOpensOneBlockPerEpoch() throws Exception {
        List<Long> trainable = new ArrayList<>();
        TrainingListener l = new TrainingListener() {
            @Override
            public void onPhase(int epoch, String description, long count) {
                trainable.add(count);
            }
        };
        PipelineResult r = Runs.pipeline("hybrid", Map.of("cut", "1", "unfreezeEvery", "1"), Runs.trainer(3), cache)
                .listener(l).run();
        // head 51; + block3 (dense 272 + gamma/beta 32) ; + block2 (304)
        assertThat(trainable).containsExactly(51L, 355L, 659L);
        assertTrained(r, n -> n.startsWith("head.") || (!n.startsWith("backbone.block1.") && !n.contains("moving_")));
        assertThat(r.plan().phases()).hasSize(3);
    }
}
