package dev.graft.vision;

import dev.graft.engine.spi.graph.Node;
import java.util.Map;

/**
 * What a convolutional backbone produced.
 *
 * @param pooled    the globally average-pooled feature vector [N, C]
 * @param last      the last feature map before pooling [N, H, W, C]
 * @param endpoints the output of each named block (stem, layer1, ... or block1, ...), in order
 */
public record Features(Node pooled, Node last, Map<String, Node> endpoints) {
    public Features {
        endpoints = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(endpoints));
    }
}
