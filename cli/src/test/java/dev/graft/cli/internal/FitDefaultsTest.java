package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.Graft;
import dev.graft.core.spi.Block;
import dev.graft.core.train.FineTuningRecipe;
import dev.graft.core.train.Schedule;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.train.OptimizerSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FitDefaultsTest {
    private static FitCommand parse(String... more) {
        FitCommand f = new FitCommand();
        List<String> a = new java.util.ArrayList<>(List.of("-b", "x", "-d", "data.csv", "-o", "model"));
        a.addAll(List.of(more));
        new CommandLine(f).parseArgs(a.toArray(String[]::new));
        return f;
    }

    private static TrainerConfig config(FitDefaults.Kind kind, String... options) {
        FitCommand f = parse(options);
        return f.train.config(FitDefaults.config(kind, f.train.base()), true);
    }

    @Test
    void aHeadOnFrozenFeaturesTrainsManyEpochsWithEarlyStopping() {
        assertThat(FitDefaults.kind("feature-extraction", true)).isEqualTo(FitDefaults.Kind.FROZEN_HEAD);
        assertThat(FitDefaults.kind("feature-extraction", false)).isEqualTo(FitDefaults.Kind.FROZEN_HEAD);
        TrainerConfig t = config(FitDefaults.Kind.FROZEN_HEAD);
        assertThat(t.epochs()).isEqualTo(100);
        assertThat(t.learningRate()).isEqualTo(1e-2);
        assertThat(t.batchSize()).isEqualTo(32);
        assertThat(t.earlyStopping().metric()).isEqualTo("val_loss");
        assertThat(t.earlyStopping().patience()).isEqualTo(5);
        assertThat(t.earlyStopping().restoreBest()).isTrue();
    }

    @Test
    void fineTuningATransformerFollowsTheRecipeAndOptionsGivenWin() {
        assertThat(FitDefaults.kind("fine-tuning", true)).isEqualTo(FitDefaults.Kind.TRANSFORMER_FINE_TUNING);
        assertThat(FitDefaults.kind("hybrid", true)).isEqualTo(FitDefaults.Kind.TRANSFORMER_FINE_TUNING);
        assertThat(FitDefaults.kind("fine-tuning", false)).isEqualTo(FitDefaults.Kind.GENERAL);
        TrainerConfig t = config(FitDefaults.Kind.TRANSFORMER_FINE_TUNING);
        TrainerConfig recipe = FineTuningRecipe.transformer(TrainerConfig.defaults().withBatchSize(32).withLearningRate(1e-3));
        assertThat(t.optimizer()).isEqualTo(recipe.optimizer()).isEqualTo(OptimizerSpec.adamW(0.01));
        assertThat(t.schedule()).isEqualTo(recipe.schedule()).isEqualTo(Schedule.linear().withWarmup(0.1).toString());
        assertThat(t.clipGlobalNorm()).isEqualTo(1.0);
        assertThat(t.noWeightDecay()).isEqualTo(FineTuningRecipe.NO_WEIGHT_DECAY);
        assertThat(t.epochs()).isEqualTo(10);
        assertThat(t.learningRate()).isEqualTo(1e-3);
        assertThat(t.earlyStopping()).isEqualTo(recipe.earlyStopping());

        TrainerConfig mine = config(FitDefaults.Kind.TRANSFORMER_FINE_TUNING, "--epochs", "3", "--lr", "5e-4", "--schedule", "cosine",
                "--early-stopping", "none", "--clip-norm", "0", "--weight-decay", "0.1");
        assertThat(mine.epochs()).isEqualTo(3);
        assertThat(mine.learningRate()).isEqualTo(5e-4);
        assertThat(mine.schedule()).isEqualTo("cosine");
        assertThat(mine.earlyStopping()).isNull();
        assertThat(mine.clipGlobalNorm()).isZero();
        assertThat(mine.optimizer()).isEqualTo(OptimizerSpec.adamW(0.1));
        assertThat(mine.noWeightDecay()).as("not given: the recipe's").isEqualTo(FineTuningRecipe.NO_WEIGHT_DECAY);
        assertThat(config(FitDefaults.Kind.TRANSFORMER_FINE_TUNING, "--optimizer", "sgd").optimizer()).isEqualTo(OptimizerSpec.sgd(0));
    }

    @Test
    void loraOnATransformerFollowsTheRecipeForTwentyEpochsAndElsewhereTheGeneralDefaults() {
        assertThat(FitDefaults.kind("lora", true)).isEqualTo(FitDefaults.Kind.TRANSFORMER_LORA);
        assertThat(FitDefaults.kind("lora", false)).isEqualTo(FitDefaults.Kind.GENERAL);
        TrainerConfig t = config(FitDefaults.Kind.TRANSFORMER_LORA);
        TrainerConfig recipe = FineTuningRecipe.transformer(TrainerConfig.defaults().withBatchSize(32).withLearningRate(1e-3));
        assertThat(t.epochs()).isEqualTo(20);
        assertThat(t.learningRate()).as("the head's rate; the adapters train at lrFactor times it").isEqualTo(1e-3);
        assertThat(t.optimizer()).isEqualTo(recipe.optimizer()).isEqualTo(OptimizerSpec.adamW(0.01));
        assertThat(t.schedule()).isEqualTo(recipe.schedule());
        assertThat(t.clipGlobalNorm()).isEqualTo(1.0);
        assertThat(t.noWeightDecay()).isEqualTo(FineTuningRecipe.NO_WEIGHT_DECAY);
        assertThat(t.earlyStopping()).isEqualTo(recipe.earlyStopping());
        assertThat(t.earlyStopping().restoreBest()).isTrue();
        assertThat(config(FitDefaults.Kind.TRANSFORMER_LORA, "--epochs", "5").epochs()).as("options given win").isEqualTo(5);
        assertThat(FitDefaults.describe(FitDefaults.Kind.TRANSFORMER_LORA, t)).startsWith("20 epochs, batch 32, lr 0.001, AdamW");
    }

    @Test
    void defaultEarlyStoppingNeedsValidationData() {
        FitCommand f = parse("--validation-fraction", "0");
        assertThat(f.train.config(FitDefaults.config(FitDefaults.Kind.GENERAL, f.train.base()), false).earlyStopping()).isNull();
        FitCommand g = parse("--validation-fraction", "0", "--early-stopping", "train_loss:2");
        assertThat(g.train.config(FitDefaults.config(FitDefaults.Kind.GENERAL, g.train.base()), false).earlyStopping().metric())
                .isEqualTo("train_loss");
    }

    @Test
    void recognisesTransformerEncodersByTheirBlocks() {
        assertThat(FitDefaults.transformer(List.of(new Block("embeddings", "embeddings.**"), new Block("encoder.layer_0", "x.**"))))
                .isTrue();
        assertThat(FitDefaults.transformer(List.of(new Block("stem", "stem.**"), new Block("layer1", "layer1.**")))).isFalse();
        Graft g = Graft.create();
        assertThat(FitDefaults.transformer(g, "all-minilm-l6-v2", Map.of(), null, 42)).isTrue();
        assertThat(FitDefaults.transformer(g, "resnet18", Map.of(), null, 42)).isFalse();
        assertThat(FitDefaults.transformer(g, "no-such-backbone", Map.of(), null, 42)).isFalse();
    }

    @Test
    void describesTheSettingsInOneLine() {
        assertThat(FitDefaults.describe(FitDefaults.Kind.TRANSFORMER_FINE_TUNING, FitDefaults.config(FitDefaults.Kind.TRANSFORMER_FINE_TUNING)))
                .isEqualTo("10 epochs, batch 32, lr 0.001, AdamW (weight decay 0.01), schedule linear:warmup=0.1, gradients clipped "
                        + "to norm 1, no weight decay on [**.bias, **.norm.*, **LayerNorm*], early stopping on val_loss (patience 3, "
                        + "best weights restored)");
    }
}
