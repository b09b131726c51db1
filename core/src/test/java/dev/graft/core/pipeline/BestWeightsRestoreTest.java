package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.train.Trainer;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping keeps the best epoch's weights in a file, not on the Java heap, and puts them back
 * bit for bit; without a checkpoint folder the file is temporary and gone when the run ends.
 */
class BestWeightsRestoreTest {
    @TempDir
    Path dir;

    @Test
    void restoresTheBestEpochBitForBitFromATemporaryFileThatIsDeletedAfterTheRun() throws Exception {
        // a huge minimum improvement: only the first epoch counts as best, so three epochs end on epoch 1's weights
        TrainerConfig three = Runs.trainer(3).withEarlyStopping(new EarlyStopping("val_loss", 5, 1e9, true));
        List<Boolean> fileDuringRun = new ArrayList<>();
        TrainingListener watch = new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics e) {
                if (e.epoch() > 0) {
                    fileDuringRun.add(!temporaryBestFiles().isEmpty());
                }
            }
        };
        List<Path> before = temporaryBestFiles();
        PipelineResult restored = Runs.pipeline("fine-tuning", Map.of(), three, dir.resolve("cache")).listener(watch).run();
        // the same run with a checkpoint folder writes the best epoch's weights where a test can read them
        Runs.pipeline("fine-tuning", Map.of(), three.withCheckpoints(dir.resolve("ckpt"), 1000), dir.resolve("cache")).run();
        Map<String, HostTensor> best = SafeTensors.read(dir.resolve("ckpt").resolve(Trainer.BEST)).tensors();

        assertThat(restored.history().epochs()).hasSize(3);
        assertThat(restored.history().bestEpoch()).isZero();
        assertThat(fileDuringRun).containsExactly(true, true);
        assertThat(temporaryBestFiles()).isEqualTo(before);
        Map<String, HostTensor> b = restored.model().weights();
        assertThat(best.keySet()).containsAll(b.keySet());
        b.forEach((k, v) -> assertThat(v.bitEquals(best.get(k))).as("parameter %s bit-identical", k).isTrue());
        // and the restore did something: the last epoch's weights differ from the best epoch's
        PipelineResult last = Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(3), dir.resolve("cache")).run();
        assertThat(last.model().weights().entrySet()).anyMatch(e -> !e.getValue().bitEquals(best.get(e.getKey())));
    }

    @Test
    void keepsTheBestWeightsInTheCheckpointFolderWhenThereIsOne() throws Exception {
        TrainerConfig tc = Runs.trainer(2).withEarlyStopping(new EarlyStopping("val_loss", 5, 1e9, true))
                .withCheckpoints(dir.resolve("ckpt"), 100);
        List<Path> before = temporaryBestFiles();
        Runs.pipeline("fine-tuning", Map.of(), tc, dir.resolve("cache")).run();
        assertThat(dir.resolve("ckpt").resolve(Trainer.BEST)).exists();
        assertThat(temporaryBestFiles()).isEqualTo(before);
    }

    private static List<Path> temporaryBestFiles() {
        String prefix = Trainer.TEMPORARY_BEST_PREFIX + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
