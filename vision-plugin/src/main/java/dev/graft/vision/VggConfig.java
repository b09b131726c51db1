package dev.graft.vision;

import java.util.List;

/**
 * The shape of a VGG network.
 *
 * @param name      catalogue name, e.g. {@code vgg16} or {@code vgg16_bn}
 * @param convs     3x3 convolutions in each of the five blocks
 * @param width     channels of the first block (64 in the paper); later blocks double up to 8x
 * @param batchNorm BatchNorm after every convolution
 */
public record VggConfig(String name, List<Integer> convs, int width, boolean batchNorm) implements VisionArchitecture {
    public VggConfig {
        convs = List.copyOf(convs);
        if (convs.size() != 5 || convs.stream().anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("a VGG needs five blocks of at least one convolution, got " + convs);
        }
        if (width < 1) {
            throw new IllegalArgumentException("VGG width must be >= 1, got " + width);
        }
    }

    /** VGG-11, -13, -16 or -19, with or without BatchNorm. */
    public static VggConfig of(int layers, boolean batchNorm) {
        List<Integer> c = switch (layers) {
            case 11 -> List.of(1, 1, 2, 2, 2);
            case 13 -> List.of(2, 2, 2, 2, 2);
            case 16 -> List.of(2, 2, 3, 3, 3);
            case 19 -> List.of(2, 2, 4, 4, 4);
            default -> throw new IllegalArgumentException("no VGG-" + layers + "; choose 11, 13, 16 or 19");
        };
        return new VggConfig("vgg" + layers + (batchNorm ? "_bn" : ""), c, 64, batchNorm);
    }

    public VggConfig withWidth(int w) {
        return new VggConfig(name, convs, w, batchNorm);
    }

    /** Channels of block {@code i} (0-based). */
    public int channels(int block) {
        return width * Math.min(8, 1 << block);
    }

    public int featureChannels() {
        return channels(4);
    }

    @Override
    public List<String> blocks() {
        return Vgg.BLOCKS;
    }

    @Override
    public Features build(dev.graft.engine.spi.graph.NetworkBuilder b, dev.graft.engine.spi.graph.Node image) {
        return Vgg.build(b, image, this);
    }

    /** The original top: fc1 and fc2 of 64x the base width (4096 at width 64), then predictions. */
    @Override
    public dev.graft.engine.spi.graph.Node classifier(dev.graft.engine.spi.graph.NetworkBuilder b, Features f, int classes) {
        return Vgg.classifier(b, f.last(), width * 64, classes);
    }
}
