package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.spi.Phase;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanResolverTest {
    private static final Network NET = NetworkAssembler.backboneOnly(new TinyBackbone(8, 16, true, 1));

    private static ParamGroup group(PlanResolver.ResolvedPhase p, String param) {
        return TrainingConfig.of(OptimizerSpec.adam(), s -> 1).withGroups(p.groups()).groupOf(param);
    }

    @Test
    void batchStatisticsOfTheGroupThatSelectsGammaIsTheOneKnob() {
        Phase trainStats = new Phase(0, "t", List.of(ParamGroup.trainable("all", "backbone.**", 1).withBatchStatistics(true)));
        Phase keepStats = new Phase(0, "k", List.of(ParamGroup.trainable("all", "backbone.**", 1).withBatchStatistics(false)));
        PlanResolver.ResolvedPhase t = PlanResolver.resolve(trainStats, NET, 0.1);
        PlanResolver.ResolvedPhase k = PlanResolver.resolve(keepStats, NET, 0.1);
        assertThat(group(t, "backbone.block2.bn.moving_mean").batchStatistics()).isTrue();
        assertThat(group(k, "backbone.block2.bn.moving_mean").batchStatistics()).isFalse();
        // nothing overrides gamma/beta: they train in both, with their group
        assertThat(group(t, "backbone.block2.bn.gamma").frozen()).isFalse();
        assertThat(group(k, "backbone.block2.bn.gamma").frozen()).isFalse();
        assertThat(group(k, "backbone.block2.bn.gamma").name()).isEqualTo("all");
    }

    @Test
    void frozenGroupKeepsItsBatchNormFrozenWhateverItsFlag() {
        Phase p = new Phase(0, "f", List.of(new ParamGroup("frozen", "backbone.**", true, 0, Double.NaN, true)));
        assertThat(group(PlanResolver.resolve(p, NET, 0.1), "backbone.block1.bn.moving_variance").batchStatistics()).isFalse();
    }

    @Test
    void weightDecayExclusionsGetTwinsWithinEachTrainableGroup() {
        Phase p = new Phase(0, "p", List.of(ParamGroup.frozen("b1", "backbone.block1.**"),
                ParamGroup.trainable("rest", "backbone.**", 0.5)));
        PlanResolver.ResolvedPhase r = PlanResolver.resolve(p, NET, 0.1, List.of("**.bias", "**.bn.*"));
        ParamGroup bias = group(r, "backbone.block2.fc.bias");
        assertThat(bias.weightDecay()).isEqualTo(0.0);
        assertThat(bias.lrMultiplier()).isEqualTo(0.5);
        assertThat(group(r, "backbone.block2.bn.gamma").weightDecay()).isEqualTo(0.0);
        assertThat(group(r, "backbone.block2.fc.kernel").weightDecay()).isNaN();
        assertThat(group(r, "backbone.block1.fc.bias").frozen()).as("frozen stays frozen").isTrue();
        assertThat(r.table()).contains("rest (no weight decay)");
    }
}
