package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.train.EpochMetrics;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearningCurvesTest {
    @Test
    void everyEpochReportsTrainAndValidationAccuracy(@TempDir Path cache) throws Exception {
        PipelineResult r = Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(4), cache).run();
        assertThat(r.history().epochs()).hasSize(4);
        for (EpochMetrics e : r.history().epochs()) {
            assertThat(e.trainSample()).isNotNull();
            assertThat(e.trainSample().examples()).isEqualTo(48);
            assertThat(e.trainAccuracy()).isBetween(0.0, 1.0);
            assertThat(e.validation().accuracy()).isBetween(0.0, 1.0);
        }
        EpochMetrics first = r.history().epochs().get(0);
        EpochMetrics last = r.history().epochs().get(3);
        assertThat(last.trainSample().loss()).isLessThan(first.trainSample().loss());
    }
}
