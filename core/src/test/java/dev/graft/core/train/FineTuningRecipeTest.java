package dev.graft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import org.junit.jupiter.api.Test;

class FineTuningRecipeTest {
    @Test
    void transformerRecipeWarmsUpDecaysClipsAndSparesBiasesAndLayerNorms() {
        TrainerConfig t = FineTuningRecipe.transformer(TrainerConfig.defaults().withEpochs(4).withBatchSize(16).withSeed(3));
        assertThat(t.optimizer()).isEqualTo(OptimizerSpec.adamW(0.01));
        assertThat(t.clipGlobalNorm()).isEqualTo(1.0);
        assertThat(t.epochs()).isEqualTo(10);
        assertThat(t.batchSize()).isEqualTo(16);
        assertThat(t.seed()).isEqualTo(3);
        assertThat(t.earlyStopping().metric()).isEqualTo("val_loss");
        assertThat(t.earlyStopping().restoreBest()).isTrue();
        // 100 steps: rises linearly over the first 10, then falls linearly to 0 at step 100
        LearningRateSchedule s = t.scheduleSpec().build(1.0, 100, 10, 0);
        assertThat(s.at(5)).isLessThan(s.at(9));
        assertThat(s.at(10)).isGreaterThan(0.95);
        assertThat(s.at(55)).isBetween(0.45, 0.55);
        assertThat(s.at(99)).isLessThan(0.02);
        for (String spared : new String[] {"backbone.encoder.layer_3.attention.norm.gamma", "backbone.embeddings.norm.beta",
                "backbone.encoder.layer_3.ffn.out.bias", "head.out.bias"}) {
            assertThat(t.noWeightDecay().stream().anyMatch(p -> ParamGroup.toRegex(p).matcher(spared).matches())).as(spared).isTrue();
        }
        assertThat(t.noWeightDecay().stream().anyMatch(p -> ParamGroup.toRegex(p).matcher("backbone.encoder.layer_3.ffn.out.kernel")
                .matches())).isFalse();
    }
}
