package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.StepEvent;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed mid-way and resumed from its last checkpoint ends bit-identical to the run that was
 * never interrupted: shuffling, augmentation and dropout seeds derive from (seed, epoch, step), the
 * optimizer slots and step counter are in the checkpoint, and the engine's CPU kernels are
 * deterministic for equal inputs.
 */
class ResumeTest {
    @TempDir
    Path dir;

    private static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private Pipeline pipeline(TrainerConfig tc) {
        // gradual unfreezing (phase switches), dropout in the head and BatchNorm statistics updated
        return Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of())
                .strategy("hybrid", Map.of("cut", "block2", "unfreezeEvery", "1", "batchNorm", "train"))
                .head(HeadConfig.mlp(Task.CLASSIFICATION, List.of(8), 0.3)).trainer(tc).cacheDir(dir.resolve("cache"));
    }

    @Test
    void interruptedAndResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws Exception {
        TrainerConfig base = Runs.trainer(4).withSchedule("cosine");
        PipelineResult whole = pipeline(base.withCheckpoints(dir.resolve("a"), 4)).run();

        TrainerConfig tc = base.withCheckpoints(dir.resolve("b"), 4).withResume(true);
        TrainingListener crashAtStep7 = new TrainingListener() {
            @Override
            public void onStep(StepEvent e) {
                if (e.globalStep() == 7) {
                    throw new Crash();
                }
            }
        };
        assertThatThrownBy(() -> pipeline(tc).listener(crashAtStep7).run()).isInstanceOf(Crash.class);
        assertThat(dir.resolve("b").resolve("checkpoint.safetensors")).exists();

        List<String> said = new java.util.ArrayList<>();
        TrainingListener resumes = new TrainingListener() {
            @Override
            public void onResume(Path checkpoint, int epoch, int stepInEpoch, long step) {
                said.add(checkpoint.getFileName() + " " + epoch + " " + stepInEpoch + " " + step);
            }
        };
        PipelineResult resumed = pipeline(tc).listener(resumes).run();
        // 48 training examples in batches of 16: 3 steps an epoch, so step 4 is the first step of epoch 2 (index 1)
        assertThat(said).containsExactly("checkpoint.safetensors 1 1 4");
        assertThat(resumed.history().resumedFromStep()).isEqualTo(4);
        assertThat(resumed.history().resumedFromEpoch()).isEqualTo(1);
        assertThat(resumed.history().summary()).contains("resumed from a checkpoint at epoch 2, step 4");
        assertThat(whole.history().resumed()).isFalse();
        assertThat(whole.history().summary()).doesNotContain("resumed");
        assertThat(resumed.history().steps()).isEqualTo(whole.history().steps());
        Map<String, HostTensor> a = whole.model().weights();
        Map<String, HostTensor> b = resumed.model().weights();
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((k, v) -> assertThat(b.get(k).bitEquals(v)).as("parameter %s bit-identical", k).isTrue());
        assertThat(resumed.history().epochs()).hasSameSizeAs(whole.history().epochs());
        for (int i = 0; i < a.size() && i < whole.history().epochs().size(); i++) {
            assertThat(resumed.history().epochs().get(i).trainLoss()).isEqualTo(whole.history().epochs().get(i).trainLoss());
        }
    }

    @Test
    void sameSeedGivesTheSameWeights() throws Exception {
        PipelineResult one = pipeline(Runs.trainer(2)).run();
        assertThat(one.history().earlyStopping()).isFalse();
        assertThat(one.history().summary()).startsWith("completed after epoch 2 (6 steps); no early stopping")
                .doesNotContain("best epoch");
        PipelineResult two = pipeline(Runs.trainer(2)).run();
        one.model().weights().forEach((k, v) -> assertThat(two.model().weights().get(k).bitEquals(v)).as(k).isTrue());
        PipelineResult other = pipeline(Runs.trainer(2).withSeed(8)).run();
        assertThat(other.model().weights().get("head.out.kernel").bitEquals(one.model().weights().get("head.out.kernel")))
                .isFalse();
    }

    @Test
    void earlyStoppingRestoresTheBestEpochAndResumeAfterTheEndChangesNothing() throws Exception {
        TrainerConfig tc = Runs.trainer(30).withLearningRate(0.05).withEarlyStopping(EarlyStopping.on("val_loss", 2))
                .withCheckpoints(dir.resolve("es"), 0).withResume(true);
        PipelineResult r = pipeline(tc).run();
        assertThat(r.history().stopReason()).isEqualTo("early-stopping");
        assertThat(r.history().earlyStopping()).isTrue();
        assertThat(r.history().summary()).contains("best epoch " + (r.history().bestEpoch() + 1) + " (its weights restored)")
                .doesNotContain("no early stopping");
        int best = r.history().bestEpoch();
        double bestLoss = r.history().epochs().get(best).validation().loss();
        for (var e : r.history().epochs()) {
            assertThat(e.validation().loss()).isGreaterThanOrEqualTo(bestLoss);
        }
        assertThat(r.validation().loss()).isCloseTo(bestLoss, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Files.exists(dir.resolve("es").resolve("best.safetensors"))).isTrue();

        PipelineResult again = pipeline(tc).run();
        assertThat(again.history().stopReason()).isEqualTo("early-stopping");
        r.model().weights().forEach((k, v) -> assertThat(again.model().weights().get(k).bitEquals(v)).as(k).isTrue());
    }

    @Test
    void checkpointOfAnotherRunIsRefused() throws Exception {
        pipeline(Runs.trainer(1).withCheckpoints(dir.resolve("c"), 0)).run();
        assertThatThrownBy(() -> pipeline(Runs.trainer(1).withLearningRate(0.5).withCheckpoints(dir.resolve("c"), 0)
                .withResume(true)).run()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("different run");
    }
}
