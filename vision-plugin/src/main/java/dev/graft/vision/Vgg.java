package dev.graft.vision;

import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VGG (Simonyan and Zisserman 2014) on the engine-neutral op set, NHWC with HWIO kernels. The
 * backbone ends in global average pooling so any input size works; the original fully connected
 * top ({@link #classifier}) needs a known input size (224 for ImageNet weights). Parameters:
 * {@code block1.conv1} (Keras' {@code block1_conv1}), {@code block1.bn1} when BatchNorm is on,
 * {@code fc1}, {@code fc2}, {@code predictions}.
 */
public final class Vgg {
    public static final List<String> BLOCKS = List.of("block1", "block2", "block3", "block4", "block5", "pool");

    private Vgg() {
    }

    public static Features build(NetworkBuilder b, Node image, VggConfig c) {
        if (image.shape().rank() != 4) {
            throw new DefinitionException(b.qualify(""), "VGG input must be NHWC, got " + image.shape());
        }
        Map<String, Node> ends = new LinkedHashMap<>();
        Node x = image;
        for (int blk = 0; blk < 5; blk++) {
            try (NetworkBuilder.Scope s = b.scope("block" + (blk + 1))) {
                for (int j = 1; j <= c.convs().get(blk); j++) {
                    x = ResNet.conv(b, "conv" + j, x, c.channels(blk), 3, 1, 1, true);
                    if (c.batchNorm()) {
                        x = Layers.batchNorm(b, "bn" + j, x, 1e-5, ResNet.BN_MOMENTUM);
                    }
                    x = b.relu(x);
                }
                x = b.maxPool(x, new int[] {2, 2}, new int[] {2, 2}, "VALID");
            }
            ends.put("block" + (blk + 1), x);
        }
        Node pooled = b.globalAvgPool(x);
        ends.put("pool", pooled);
        return new Features(pooled, x, ends);
    }

    /**
     * The original top on the last feature map: flatten (H, W, C order, as Keras), {@code fc1} and
     * {@code fc2} with ReLU, then {@code predictions} logits.
     */
    public static Node classifier(NetworkBuilder b, Node lastMap, int hidden, int classes) {
        long h = lastMap.shape().dim(1);
        long w = lastMap.shape().dim(2);
        long ch = lastMap.shape().dim(3);
        if (h < 0 || w < 0) {
            throw new DefinitionException(b.qualify("fc1"), "the VGG classifier needs a known input size, got feature map " + lastMap.shape());
        }
        Node flat = b.reshape(lastMap, -1, h * w * ch);
        Node x = b.relu(Layers.dense(b, "fc1", flat, hidden));
        x = b.relu(Layers.dense(b, "fc2", x, hidden));
        return Layers.dense(b, "predictions", x, classes);
    }
}
