package dev.graft.vision;

import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.DefinitionException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ResNet (He et al. 2015) on the engine-neutral op set, NHWC with HWIO kernels, for any input size
 * (global average pooling before the head). Parameters, relative to the current scope:
 * {@code stem.conv}, {@code stem.bn}, {@code layer1.0.conv1}, {@code layer1.0.bn1}, ...,
 * {@code layer2.0.downsample.conv}, {@code layer2.0.downsample.bn}; the optional classifier is {@code fc}.
 * Padding is explicit (torchvision's), which also equals Keras' ZeroPadding2D + VALID and SAME
 * with stride 1.
 */
public final class ResNet {
    /** Named blocks bottom to top; their parameters live under the scope of the same name. */
    public static final List<String> BLOCKS = List.of("stem", "layer1", "layer2", "layer3", "layer4", "pool");
    static final double BN_MOMENTUM = 0.9;

    private ResNet() {
    }

    /** Adds the network on an image batch [N, H, W, 3]. */
    public static Features build(NetworkBuilder b, Node image, ResNetConfig c) {
        if (image.shape().rank() != 4) {
            throw new DefinitionException(b.qualify(""), "ResNet input must be NHWC, got " + image.shape());
        }
        Map<String, Node> ends = new LinkedHashMap<>();
        Node x;
        try (NetworkBuilder.Scope s = b.scope("stem")) {
            x = conv(b, "conv", image, c.width(), 7, 2, 3, c.convBias());
            x = b.relu(Layers.batchNorm(b, "bn", x, c.bnEpsilon(), BN_MOMENTUM));
            // zero padding equals -inf padding here: the input is a ReLU output
            x = b.pad(x, new long[] {0, 0, 1, 1, 1, 1, 0, 0}, 0);
            x = b.maxPool(x, new int[] {3, 3}, new int[] {2, 2}, "VALID");
        }
        ends.put("stem", x);
        for (int stage = 0; stage < 4; stage++) {
            int planes = c.width() << stage;
            try (NetworkBuilder.Scope s = b.scope("layer" + (stage + 1))) {
                for (int i = 0; i < c.depths().get(stage); i++) {
                    int stride = (stage > 0 && i == 0) ? 2 : 1;
                    try (NetworkBuilder.Scope blk = b.scope(Integer.toString(i))) {
                        x = c.bottleneck() ? bottleneck(b, x, planes, stride, c) : basic(b, x, planes, stride, c);
                    }
                }
            }
            ends.put("layer" + (stage + 1), x);
        }
        Node pooled = b.globalAvgPool(x);
        ends.put("pool", pooled);
        return new Features(pooled, x, ends);
    }

    /** The ImageNet-style classifier {@code fc} on pooled features. */
    public static Node classifier(NetworkBuilder b, Node pooled, int classes) {
        return Layers.dense(b, "fc", pooled, classes);
    }

    private static Node basic(NetworkBuilder b, Node x, int planes, int stride, ResNetConfig c) {
        Node y = conv(b, "conv1", x, planes, 3, stride, 1, c.convBias());
        y = b.relu(Layers.batchNorm(b, "bn1", y, c.bnEpsilon(), BN_MOMENTUM));
        y = conv(b, "conv2", y, planes, 3, 1, 1, c.convBias());
        y = Layers.batchNorm(b, "bn2", y, c.bnEpsilon(), BN_MOMENTUM);
        return b.relu(b.add(y, shortcut(b, x, planes, stride, c)));
    }

    private static Node bottleneck(NetworkBuilder b, Node x, int planes, int stride, ResNetConfig c) {
        int s1 = c.strideOnFirst1x1() ? stride : 1;
        int s3 = c.strideOnFirst1x1() ? 1 : stride;
        Node y = conv(b, "conv1", x, planes, 1, s1, 0, c.convBias());
        y = b.relu(Layers.batchNorm(b, "bn1", y, c.bnEpsilon(), BN_MOMENTUM));
        y = conv(b, "conv2", y, planes, 3, s3, 1, c.convBias());
        y = b.relu(Layers.batchNorm(b, "bn2", y, c.bnEpsilon(), BN_MOMENTUM));
        y = conv(b, "conv3", y, planes * 4, 1, 1, 0, c.convBias());
        y = Layers.batchNorm(b, "bn3", y, c.bnEpsilon(), BN_MOMENTUM);
        return b.relu(b.add(y, shortcut(b, x, planes * 4, stride, c)));
    }

    private static Node shortcut(NetworkBuilder b, Node x, int out, int stride, ResNetConfig c) {
        if (stride == 1 && x.shape().dim(3) == out) {
            return x;
        }
        try (NetworkBuilder.Scope s = b.scope("downsample")) {
            Node y = conv(b, "conv", x, out, 1, stride, 0, c.convBias());
            return Layers.batchNorm(b, "bn", y, c.bnEpsilon(), BN_MOMENTUM);
        }
    }

    /** A k x k convolution with symmetric explicit padding {@code pad}, He-normal kernel. */
    static Node conv(NetworkBuilder b, String name, Node x, int filters, int k, int stride, int pad, boolean bias) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            Node kernel = b.param("kernel", Initializer.heNormal(), k, k, x.shape().dim(3), filters);
            int[] st = {stride, stride};
            int[] dil = {1, 1};
            Node y = pad == 0 ? b.conv2d(x, kernel, st, "VALID", dil, 1)
                    : b.conv2d(x, kernel, st, new int[] {pad, pad, pad, pad}, dil, 1);
            return bias ? b.add(y, b.param("bias", Initializer.zeros(), filters)) : y;
        }
    }
}
