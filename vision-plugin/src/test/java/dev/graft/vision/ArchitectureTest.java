package dev.graft.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Definitions only (no engine): parameter counts against the published networks, and shapes. */
class ArchitectureTest {
    static Network withTop(VisionArchitecture a, int size, int classes) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("image", DType.FLOAT32, -1, size, size, 3);
        Features f = a.build(b, x);
        b.output("features", f.pooled());
        b.output("logits", a.classifier(b, f, classes));
        return b.build();
    }

    /** torchvision's parameter counts (weights and biases; BatchNorm buffers excluded). */
    @ParameterizedTest
    @CsvSource({"18, 11689512", "34, 21797672", "50, 25557032", "101, 44549160", "152, 60192808"})
    void resnetHasTheTorchvisionParameterCount(int layers, long params) {
        Network n = withTop(ResNetConfig.torchvision(layers), 224, 1000);
        assertThat(n.trainableParameterCount()).isEqualTo(params);
    }

    /** torchvision's VGG parameter counts at 224x224 with the 1000-class classifier. */
    @ParameterizedTest
    @CsvSource({"11, false, 132863336", "13, false, 133047848", "16, false, 138357544", "19, false, 143667240",
            "11, true, 132868840", "16, true, 138365992"})
    void vggHasTheTorchvisionParameterCount(int layers, boolean bn, long params) {
        Network n = withTop(VggConfig.of(layers, bn), 224, 1000);
        assertThat(n.trainableParameterCount()).isEqualTo(params);
    }

    @Test
    void kerasResNet50HasKerasTotalParameterCountIncludingMovingStatistics() {
        // keras.applications.ResNet50(): Total params 25,636,712 (53,120 non-trainable)
        Network n = withTop(ResNetConfig.keras50(), 224, 1000);
        assertThat(n.parameterCount()).isEqualTo(25_636_712L);
        assertThat(n.parameterCount() - n.trainableParameterCount()).isEqualTo(53_120L);
    }

    @Test
    void resnet50MapsAreSevenBySevenAt224AndFeaturesAre2048() {
        NetworkBuilder b = new NetworkBuilder();
        Features f = ResNetConfig.torchvision(50).build(b, b.input("image", DType.FLOAT32, -1, 224, 224, 3));
        assertThat(f.endpoints().keySet()).containsExactly("stem", "layer1", "layer2", "layer3", "layer4", "pool");
        assertThat(f.endpoints().get("stem").shape()).isEqualTo(Shape.of(-1, 56, 56, 64));
        assertThat(f.endpoints().get("layer2").shape()).isEqualTo(Shape.of(-1, 28, 28, 512));
        assertThat(f.last().shape()).isEqualTo(Shape.of(-1, 7, 7, 2048));
        assertThat(f.pooled().shape()).isEqualTo(Shape.of(-1, 2048));
    }

    @Test
    void backbonesAcceptAnyInputSizeIncludingUnknown() {
        for (VisionArchitecture a : new VisionArchitecture[] {ResNetConfig.torchvision(18).withWidth(4), VggConfig.of(16, true).withWidth(4)}) {
            for (long size : new long[] {32, 75, -1}) {
                NetworkBuilder b = new NetworkBuilder();
                Features f = a.build(b, b.input("image", DType.FLOAT32, -1, size, size, 3));
                assertThat(f.pooled().shape()).as(a.name() + " at " + size).isEqualTo(Shape.of(-1, a.featureChannels()));
            }
        }
    }

    @Test
    void parametersLiveUnderTheirBlockNames() {
        NetworkBuilder b = new NetworkBuilder();
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("f", ResNetConfig.torchvision(18).withWidth(2).build(b, b.input("image", DType.FLOAT32, -1, 32, 32, 3)).pooled());
        }
        Network n = b.build();
        assertThat(n.params().keySet()).allMatch(p -> p.matches("backbone\\.(stem|layer[1-4])\\..*"));
        assertThat(n.params()).containsKeys("backbone.stem.conv.kernel", "backbone.layer1.0.bn1.moving_variance",
                "backbone.layer2.0.downsample.conv.kernel", "backbone.layer4.1.conv2.kernel");
        assertThat(n.params()).doesNotContainKey("backbone.layer1.0.downsample.conv.kernel");
    }
}
