package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.Example;
import dev.graft.core.train.EarlyStopping;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputIsRejectedTest {
    @TempDir
    Path cache;

    @Test
    void unknownCutPointListsTheValidOnes() {
        assertThatThrownBy(() -> Runs.pipeline("hybrid", Map.of("cut", "layer9"), Runs.trainer(1), cache).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown cut point 'layer9'")
                .hasMessageContaining("[block1, block2, block3]");
        assertThatThrownBy(() -> Runs.pipeline("hybrid", Map.of("cut", "3"), Runs.trainer(1), cache).run())
                .hasMessageContaining("index 0..2");
        assertThatThrownBy(() -> Runs.pipeline("hybrid", Map.of(), Runs.trainer(1), cache).run())
                .hasMessageContaining("needs option cut=<block>").hasMessageContaining("block1");
    }

    @Test
    void negativeLearningRatesAreRejected() {
        assertThatThrownBy(() -> Runs.trainer(1).withLearningRate(-0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learning rate must be a positive");
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of("backboneLr", "-0.001"), Runs.trainer(1), cache).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option backboneLr=-0.001 is invalid; expected a positive finite number");
    }

    @Test
    void unknownOptionsAndChoicesListTheValidOnes() {
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of("blokcs", "2"), Runs.trainer(1), cache).run())
                .hasMessageContaining("unknown option 'blokcs'")
                .hasMessageContaining("[backboneLr, batchNorm, blocks, lrDecay, warmupEpochs]");
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of("batchNorm", "sometimes"), Runs.trainer(1), cache).run())
                .hasMessageContaining("expected one of [frozen, affine, train]");
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of("blocks", "4"), Runs.trainer(1), cache).run())
                .hasMessageContaining("at most 3");
        assertThatThrownBy(() -> Runs.pipeline("no-such-strategy", Map.of(), Runs.trainer(1), cache).run())
                .hasMessageContaining("unknown strategy 'no-such-strategy'").hasMessageContaining("feature-extraction")
                .hasMessageContaining("hybrid");
        assertThatThrownBy(() -> Runs.GRAFT.pipeline().data(Runs.DATA).backbone("resnet-9000", Map.of()).run())
                .hasMessageContaining("unknown backbone 'resnet-9000'").hasMessageContaining("tiny-mlp");
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(1), cache).engine("abacus").run())
                .hasMessageContaining("no engine 'abacus'").hasMessageContaining("tensorflow");
    }

    @Test
    void emptyDatasetIsRejected() {
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(1), cache).data(List.of()).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("training data is empty");
    }

    @Test
    void labelSeenOnlyInValidationIsRejectedNamingTheExample() {
        List<Example> val = new ArrayList<>(Runs.DATA.subList(0, 3));
        val.add(new Example("val.csv:4", new float[8], "class-never-trained"));
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(1), cache).validation(val).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("val.csv:4")
                .hasMessageContaining("label 'class-never-trained' appears in the validation data but never in the training data");
    }

    @Test
    void earlyStoppingOnAnUnknownMetricOrWithoutValidationIsRejected() {
        assertThatThrownBy(() -> EarlyStopping.on("val_acc", 2)).hasMessageContaining("valid metrics")
                .hasMessageContaining("val_accuracy");
        assertThatThrownBy(() -> Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(1).withValidationFraction(0)
                .withEarlyStopping(EarlyStopping.on("val_loss", 2)), cache).run()).hasMessageContaining("needs validation data");
    }
}
