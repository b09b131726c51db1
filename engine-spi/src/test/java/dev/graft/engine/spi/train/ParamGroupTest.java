package dev.graft.engine.spi.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParamGroupTest {
    @Test
    void singleStarStaysWithinOneDottedPart() {
        ParamGroup g = ParamGroup.trainable("convs", "layer1.*.kernel", 1);
        assertThat(g.matches("layer1.conv1.kernel")).isTrue();
        assertThat(g.matches("layer1.0.conv1.kernel")).isFalse();
        assertThat(g.matches("layer10.conv1.kernel")).isFalse();
    }

    @Test
    void doubleStarCrossesPartsAndQuestionMarkIsOneCharacter() {
        assertThat(ParamGroup.frozen("backbone", "layer1.**").matches("layer1.0.conv1.kernel")).isTrue();
        assertThat(ParamGroup.frozen("backbone", "layer1.**").matches("layer2.0.conv1.kernel")).isFalse();
        assertThat(ParamGroup.frozen("all", "**").matches("anything.at.all")).isTrue();
        assertThat(ParamGroup.frozen("layers", "layer?.**").matches("layer3.bn.gamma")).isTrue();
        assertThat(ParamGroup.frozen("layers", "layer?.**").matches("layer12.bn.gamma")).isFalse();
    }

    @Test
    void regexPatternsAndQuotedSpecialCharacters() {
        assertThat(ParamGroup.frozen("bn", "re:.*\\.(gamma|beta)").matches("layer1.bn.gamma")).isTrue();
        assertThat(ParamGroup.frozen("bn", "re:.*\\.(gamma|beta)").matches("layer1.bn.moving_mean")).isFalse();
        assertThat(ParamGroup.frozen("literal", "a+b.kernel").matches("a+b.kernel")).isTrue();
        assertThat(ParamGroup.frozen("literal", "a+b.kernel").matches("aab.kernel")).isFalse();
        assertThatThrownBy(() -> ParamGroup.frozen("bad", "re:(")).isInstanceOf(java.util.regex.PatternSyntaxException.class);
    }

    @Test
    void firstMatchingGroupWinsAndUnmatchedParametersUseTheDefault() {
        TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.1)).withGroups(List.of(
                ParamGroup.trainable("head", "head.**", 10), ParamGroup.frozen("backbone", "**.kernel")));
        assertThat(cfg.groupOf("head.dense.kernel").name()).isEqualTo("head");
        assertThat(cfg.groupOf("stem.conv.kernel").name()).isEqualTo("backbone");
        assertThat(cfg.groupOf("stem.bn.gamma")).isEqualTo(TrainingConfig.DEFAULT_GROUP);
        assertThat(TrainingConfig.DEFAULT_GROUP.lrMultiplier()).isEqualTo(1.0);
    }

    @Test
    void invalidGroupsAndOptimizerSettingsAreRejected() {
        assertThatThrownBy(() -> ParamGroup.trainable("g", "**", -1)).hasMessageContaining("'g'");
        assertThatThrownBy(() -> ParamGroup.trainable("g", "**", Double.POSITIVE_INFINITY)).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> OptimizerSpec.nesterov(0)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> OptimizerSpec.sgd(1.0)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> new OptimizerSpec.Adam(0.9, 0.999, 0, 0)).hasMessageContaining("epsilon");
        assertThatThrownBy(() -> TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1)).withClipGlobalNorm(-1))
                .hasMessageContaining("clipGlobalNorm");
        assertThat(OptimizerSpec.adam().slots()).containsExactly("m", "v");
        assertThat(OptimizerSpec.sgd(0).slots()).isEmpty();
        assertThat(OptimizerSpec.nesterov(0.9).slots()).containsExactly("momentum");
    }
}
