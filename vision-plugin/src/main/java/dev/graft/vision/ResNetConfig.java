package dev.graft.vision;

import java.util.List;

/**
 * The shape of a ResNet.
 *
 * @param name            catalogue name, e.g. {@code resnet50}
 * @param bottleneck      bottleneck blocks (1x1, 3x3, 1x1 with 4x expansion) or basic blocks (3x3, 3x3)
 * @param depths          blocks per stage (four stages)
 * @param width           channels of the stem and the first stage (64 in the paper; smaller for tests)
 * @param strideOnFirst1x1 Keras applications (v1): a stage's stride sits on the first 1x1 convolution;
 *                        torchvision (v1.5): on the 3x3 convolution
 * @param convBias        convolutions carry biases (Keras applications) or not (torchvision)
 * @param bnEpsilon       BatchNorm epsilon (1e-5 torchvision, 1.001e-5 Keras)
 */
public record ResNetConfig(String name, boolean bottleneck, List<Integer> depths, int width, boolean strideOnFirst1x1,
        boolean convBias, double bnEpsilon) implements VisionArchitecture {
    public ResNetConfig {
        depths = List.copyOf(depths);
        if (depths.size() != 4 || depths.stream().anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("a ResNet needs four stages of at least one block, got " + depths);
        }
        if (width < 1) {
            throw new IllegalArgumentException("ResNet width must be >= 1, got " + width);
        }
    }

    /** The torchvision definition of ResNet-18, -34, -50, -101 or -152. */
    public static ResNetConfig torchvision(int layers) {
        return switch (layers) {
            case 18 -> new ResNetConfig("resnet18", false, List.of(2, 2, 2, 2), 64, false, false, 1e-5);
            case 34 -> new ResNetConfig("resnet34", false, List.of(3, 4, 6, 3), 64, false, false, 1e-5);
            case 50 -> new ResNetConfig("resnet50", true, List.of(3, 4, 6, 3), 64, false, false, 1e-5);
            case 101 -> new ResNetConfig("resnet101", true, List.of(3, 4, 23, 3), 64, false, false, 1e-5);
            case 152 -> new ResNetConfig("resnet152", true, List.of(3, 8, 36, 3), 64, false, false, 1e-5);
            default -> throw new IllegalArgumentException("no ResNet-" + layers + "; choose 18, 34, 50, 101 or 152");
        };
    }

    /** keras.applications ResNet50 (v1): stride on the first 1x1 convolution, conv biases. */
    public static ResNetConfig keras50() {
        return new ResNetConfig("resnet50-keras", true, List.of(3, 4, 6, 3), 64, true, true, 1.001e-5);
    }

    /** The same network with another base width (for small experiments and tests). */
    public ResNetConfig withWidth(int w) {
        return new ResNetConfig(name, bottleneck, depths, w, strideOnFirst1x1, convBias, bnEpsilon);
    }

    /** Channels of the feature vector after global pooling. */
    public int featureChannels() {
        return width * 8 * (bottleneck ? 4 : 1);
    }

    @Override
    public java.util.List<String> blocks() {
        return ResNet.BLOCKS;
    }

    @Override
    public Features build(dev.graft.engine.spi.graph.NetworkBuilder b, dev.graft.engine.spi.graph.Node image) {
        return ResNet.build(b, image, this);
    }

    @Override
    public dev.graft.engine.spi.graph.Node classifier(dev.graft.engine.spi.graph.NetworkBuilder b, Features f, int classes) {
        return ResNet.classifier(b, f.pooled(), classes);
    }
}
