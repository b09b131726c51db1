package dev.graft.vision;

import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;

/** A convolutional architecture defined once on the engine-neutral ops: ResNet or VGG. */
public sealed interface VisionArchitecture permits ResNetConfig, VggConfig {
    /** Catalogue name, e.g. {@code resnet50}, {@code vgg16_bn}. */
    String name();

    /** Named blocks bottom to top (cut points); each block's parameters live under its name. */
    List<String> blocks();

    /** Adds the network on an NHWC image batch under the builder's current scope. */
    Features build(NetworkBuilder b, Node image);

    /** Adds the ImageNet-style classifier top ({@code fc} or {@code fc1, fc2, predictions}). */
    Node classifier(NetworkBuilder b, Features features, int classes);

    /** Channels of the pooled feature vector. */
    int featureChannels();
}
