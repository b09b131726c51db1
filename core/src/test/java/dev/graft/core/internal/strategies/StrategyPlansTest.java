package dev.graft.core.internal.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategyPlansTest {
    private static final PlanContext CTX = new PlanContext("net", List.of(new Block("stem", "stem.**"),
            new Block("layer1", "backbone.layer1.**"), new Block("layer2", "layer2.**")), "backbone", "head", 0.01, 6, 100, 3);

    private static ParamGroup groupOf(TransferPlan p, int phase, String param) {
        return TrainingConfig.of(dev.graft.engine.spi.train.OptimizerSpec.adam(), s -> 1)
                .withGroups(p.phases().get(phase).groups()).groupOf(param);
    }

    @Test
    void fineTuningDefaultsToATenthOfTheHeadRateWithWarmupAndAffineBatchNorm() {
        TransferPlan p = new FineTuningStrategy().plan(CTX, Map.of());
        assertThat(groupOf(p, 0, "backbone.stem.conv.kernel").lrMultiplier()).isCloseTo(0.1, within(1e-12));
        assertThat(groupOf(p, 0, "backbone.other.kernel").lrMultiplier()).isCloseTo(0.1, within(1e-12));
        assertThat(groupOf(p, 0, "head.out.kernel").lrMultiplier()).isEqualTo(1.0);
        assertThat(p.warmupEpochs()).isEqualTo(1);
        assertThat(groupOf(p, 0, "backbone.stem.bn.gamma").batchStatistics()).as("affine: moving statistics kept").isFalse();
        assertThat(p.cacheFeatures()).isFalse();
        assertThat(p.explanation()).contains("lr 0.00100").contains("head (head.**)");
    }

    @Test
    void fineTuningOnALargeLabelledSetTrainsTheBackboneAtTheHeadRateWithBatchStatistics() {
        PlanContext large = new PlanContext("net", CTX.blocks(), "backbone", "head", 0.01, 6, 3000, 3);
        TransferPlan p = new FineTuningStrategy().plan(large, Map.of());
        assertThat(groupOf(p, 0, "backbone.stem.conv.kernel").lrMultiplier()).isEqualTo(1.0);
        assertThat(groupOf(p, 0, "backbone.other.kernel").lrMultiplier()).isEqualTo(1.0);
        assertThat(groupOf(p, 0, "backbone.stem.bn.gamma").batchStatistics()).as("statistics trained").isTrue();
        assertThat(p.warmupEpochs()).isEqualTo(1);
        assertThat(p.explanation()).contains("Large labelled set (3000 examples, 1000 or more per class)");
        TransferPlan below = new FineTuningStrategy().plan(new PlanContext("net", CTX.blocks(), "backbone", "head", 0.01, 6,
                2999, 3), Map.of());
        assertThat(groupOf(below, 0, "backbone.stem.conv.kernel").lrMultiplier()).isCloseTo(0.1, within(1e-12));
        assertThat(groupOf(below, 0, "backbone.stem.bn.gamma").batchStatistics()).isFalse();
        assertThat(below.explanation()).doesNotContain("Large labelled set");
        TransferPlan asked = new FineTuningStrategy().plan(large, Map.of("backboneLr", "0.001", "batchNorm", "affine"));
        assertThat(groupOf(asked, 0, "backbone.stem.conv.kernel").lrMultiplier()).as("options win").isCloseTo(0.1, within(1e-12));
        assertThat(groupOf(asked, 0, "backbone.stem.bn.gamma").batchStatistics()).isFalse();
        List<Block> encoder = List.of(new Block("embeddings", "embeddings.**"), new Block("encoder.layer_0", "encoder.layer_0.**"));
        TransferPlan bert = new FineTuningStrategy().plan(new PlanContext("bert", encoder, "backbone", "head", 1e-3, 6, 30000, 3),
                Map.of());
        assertThat(groupOf(bert, 0, "backbone.encoder.layer_0.attention.query.kernel").lrMultiplier() * 1e-3)
                .as("a transformer keeps the field's rate").isCloseTo(1e-4, within(1e-12));
    }

    @Test
    void fineTuningATransformerDefaultsToTheFieldsBackboneRateBySize() {
        for (int layers : new int[] {6, 12}) {
            List<Block> blocks = new java.util.ArrayList<>(List.of(new Block("embeddings", "embeddings.**")));
            for (int i = 0; i < layers; i++) {
                blocks.add(new Block("encoder.layer_" + i, "encoder.layer_" + i + ".**"));
            }
            PlanContext ctx = new PlanContext("bert", blocks, "backbone", "head", 1e-3, 10, 100, 3);
            TransferPlan p = new FineTuningStrategy().plan(ctx, Map.of());
            double want = layers == 6 ? 1e-4 : 3e-5;
            assertThat(groupOf(p, 0, "backbone.encoder.layer_0.attention.query.kernel").lrMultiplier() * 1e-3)
                    .as("%d layers", layers).isCloseTo(want, within(1e-12));
            assertThat(groupOf(p, 0, "backbone.embeddings.word.embeddings").lrMultiplier() * 1e-3).isCloseTo(want, within(1e-12));
            TransferPlan decayed = new FineTuningStrategy().plan(ctx, Map.of("lrDecay", "0.9"));
            assertThat(groupOf(decayed, 0, "backbone.encoder.layer_0.ffn.kernel").lrMultiplier() * 1e-3)
                    .as("bottom layer, decayed %d times", layers - 1).isCloseTo(want * Math.pow(0.9, layers - 1), within(1e-12));
        }
    }

    @Test
    void hybridOfATransformerTunesItsUpperLayersAtTheFineTuningRate() {
        List<Block> blocks = new java.util.ArrayList<>(List.of(new Block("embeddings", "embeddings.**")));
        for (int i = 0; i < 12; i++) {
            blocks.add(new Block("encoder.layer_" + i, "encoder.layer_" + i + ".**"));
        }
        PlanContext ctx = new PlanContext("bert", blocks, "backbone", "head", 1e-3, 10, 100, 3);
        TransferPlan p = new HybridStrategy().plan(ctx, Map.of("cut", "encoder.layer_10"));
        assertThat(groupOf(p, 0, "backbone.encoder.layer_11.attention.query.kernel").lrMultiplier() * 1e-3)
                .isCloseTo(3e-5, within(1e-12));
        assertThat(groupOf(new HybridStrategy().plan(CTX, Map.of("cut", "1")), 0, "backbone.layer2.w").lrMultiplier())
                .as("not a transformer: a tenth of the head rate").isCloseTo(0.1, within(1e-12));
    }

    @Test
    void setFitDefaultsFollowThePaperAndSolveTheHead() {
        TransferPlan p = new SetFitStrategy().plan(new PlanContext("net", List.of(), "backbone", "head", 1e-3, 4, 70, 7), Map.of());
        assertThat(groupOf(p, 0, "backbone.x.kernel").lrMultiplier() * 1e-3).isCloseTo(2e-5, within(1e-15));
        assertThat(p.explanation()).contains("40 pair(s) per example").contains("solved");
        assertThat(p.extensions(dev.graft.core.internal.heads.SolvedLinearHead.class)).hasSize(1);
        assertThat(new SetFitStrategy().plan(new PlanContext("net", List.of(), "backbone", "head", 1e-3, 4, 70, 7),
                Map.of("head", "sgd")).extensions(dev.graft.core.internal.heads.SolvedLinearHead.class)).isEmpty();
    }

    @Test
    void discriminativeDecaySlowsEachLowerBlock() {
        TransferPlan p = new FineTuningStrategy().plan(CTX, Map.of("backboneLr", "0.004", "lrDecay", "0.5"));
        assertThat(groupOf(p, 0, "backbone.layer2.w").lrMultiplier()).isCloseTo(0.4, within(1e-12));
        assertThat(groupOf(p, 0, "backbone.layer1.w").lrMultiplier()).isCloseTo(0.2, within(1e-12));
        assertThat(groupOf(p, 0, "backbone.stem.w").lrMultiplier()).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void topBlocksOnlyFreezesTheRestIncludingParametersOutsideBlocks() {
        TransferPlan p = new FineTuningStrategy().plan(CTX, Map.of("blocks", "1"));
        assertThat(groupOf(p, 0, "backbone.layer2.w").frozen()).isFalse();
        assertThat(groupOf(p, 0, "backbone.layer1.w").frozen()).isTrue();
        assertThat(groupOf(p, 0, "backbone.pooler.w").frozen()).isTrue();
    }

    @Test
    void hybridCutsByNameOrIndexAndUnfreezesGradually() {
        TransferPlan byName = new HybridStrategy().plan(CTX, Map.of("cut", "layer1"));
        TransferPlan byIndex = new HybridStrategy().plan(CTX, Map.of("cut", "1"));
        assertThat(byName.phases()).isEqualTo(byIndex.phases());
        assertThat(groupOf(byName, 0, "backbone.stem.w").frozen()).isTrue();
        assertThat(groupOf(byName, 0, "backbone.layer1.w").frozen()).isFalse();

        TransferPlan gradual = new HybridStrategy().plan(CTX, Map.of("cut", "layer1", "unfreezeEvery", "2"));
        assertThat(gradual.phases()).extracting(ph -> ph.startEpoch()).containsExactly(0, 2, 4);
        assertThat(groupOf(gradual, 0, "backbone.layer2.w").frozen()).isTrue();
        assertThat(groupOf(gradual, 1, "backbone.layer2.w").frozen()).isFalse();
        assertThat(groupOf(gradual, 1, "backbone.layer1.w").frozen()).isTrue();
        assertThat(groupOf(gradual, 2, "backbone.layer1.w").frozen()).isFalse();
        assertThat(groupOf(gradual, 2, "backbone.stem.w").frozen()).isTrue();
        assertThat(gradual.explanation()).contains("gradual unfreezing");
    }

    @Test
    void featureExtractionFreezesTheWholeBackboneAndCaches() {
        TransferPlan p = new FeatureExtractionStrategy().plan(CTX, Map.of());
        assertThat(groupOf(p, 0, "backbone.anything.at.all").frozen()).isTrue();
        assertThat(p.cacheFeatures()).isTrue();
        assertThat(groupOf(p, 0, "backbone.stem.bn.gamma").batchStatistics()).isFalse();
        assertThatThrownBy(() -> new FeatureExtractionStrategy().plan(CTX, Map.of("cache", "maybe")))
                .hasMessageContaining("cache=maybe").hasMessageContaining("[true, false]");
    }

    /** A ResNet-like context: blocks with parameters and BatchNorm, then a parameter-free pooling block. */
    private static final PlanContext CNN = new PlanContext("cnn", List.of(new Block("stem", "stem.**"), new Block("layer1", "layer1.**"),
            new Block("layer2", "layer2.**"), new Block("pool", "pool.**")), "backbone", "head", 0.01, 6, 100, 3,
            List.of("backbone.layer1.bn.gamma", "backbone.layer2.bn.gamma"),
            List.of("backbone.stem.conv.kernel", "backbone.layer1.conv.kernel", "backbone.layer1.bn.gamma",
                    "backbone.layer2.conv.kernel", "backbone.layer2.bn.gamma", "head.out.kernel"));

    @Test
    void gradualUnfreezingStepsOverBlocksWithoutParameters() {
        TransferPlan p = new HybridStrategy().plan(CNN, Map.of("cut", "layer1", "unfreezeEvery", "1"));
        // head only; then layer2 (with the parameter-free pool); then layer1
        assertThat(p.phases()).extracting(ph -> ph.startEpoch()).containsExactly(0, 1, 2);
        assertThat(groupOf(p, 1, "backbone.layer2.conv.kernel").frozen()).as("the first step unfreezes a block with weights")
                .isFalse();
        assertThat(groupOf(p, 1, "backbone.layer1.conv.kernel").frozen()).isTrue();
        assertThat(groupOf(p, 2, "backbone.layer1.conv.kernel").frozen()).isFalse();
        assertThat(groupOf(p, 2, "backbone.stem.conv.kernel").frozen()).isTrue();
        assertThat(p.phases().get(1).description()).contains("'layer2'").doesNotContain("'pool'");
    }

    @Test
    void plansOfABackboneWithoutBatchNormDoNotMentionIt() {
        List<Block> blocks = List.of(new Block("embeddings", "embeddings.**"), new Block("encoder.layer_0", "encoder.layer_0.**"),
                new Block("encoder.layer_1", "encoder.layer_1.**"));
        PlanContext bert = new PlanContext("bert", blocks, "backbone", "head", 1e-3, 4, 100, 3, List.of(),
                List.of("backbone.embeddings.word", "backbone.encoder.layer_0.attention.norm.gamma", "backbone.encoder.layer_1.ffn.kernel",
                        "head.out.kernel"));
        for (TransferPlan p : List.of(new FineTuningStrategy().plan(bert, Map.of()),
                new HybridStrategy().plan(bert, Map.of("cut", "encoder.layer_1", "unfreezeEvery", "1")),
                new FeatureExtractionStrategy().plan(bert, Map.of()))) {
            assertThat(p.explanation()).as(p.strategy()).doesNotContainIgnoringCase("batchnorm");
        }
        assertThat(new FineTuningStrategy().plan(CNN, Map.of()).explanation()).contains("BatchNorm on moving statistics")
                .contains("BatchNorm in trainable blocks: affine only");
        assertThat(new FeatureExtractionStrategy().plan(CNN, Map.of()).explanation()).contains("BatchNorm layers use their moving");
    }
}
