package dev.graft.vision.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transfer demo at toy sizes: it runs end to end and reports every strategy. */
class TransferDemoTest {
    @TempDir
    Path dir;

    @Test
    void demoPretrainsOnLettersAndReportsFourTargetRuns() throws Exception {
        TransferDemo.Outcome o = TransferDemo.run(TransferDemo.Settings.quick(), dir);
        assertThat(o.fonts()).isPositive();
        assertThat(o.rows()).extracting(TransferDemo.Row::strategy)
                .containsExactly("fine-tuning", "feature-extraction", "hybrid", "fine-tuning");
        assertThat(o.rows()).allSatisfy(r -> {
            assertThat(r.accuracy()).isBetween(0.0, 1.0);
            assertThat(r.seconds()).isPositive();
        });
        // feature extraction trains only the head; the others train (part of) the backbone too
        long head = o.rows().get(1).trainableParams();
        assertThat(head).isEqualTo(4 * 8 * 10 + 10);
        assertThat(o.rows().get(2).trainableParams()).isGreaterThan(head).isLessThan(o.rows().get(3).trainableParams());
        assertThat(TransferDemo.table(o)).contains("| feature extraction | `feature-extraction` |");
        assertThat(dir.resolve("glyph-resnet18.safetensors")).exists();
    }
}
