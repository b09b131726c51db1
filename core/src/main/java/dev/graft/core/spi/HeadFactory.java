package dev.graft.core.spi;

import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;

/** Service-provider interface for heads. Found by ServiceLoader. */
public interface HeadFactory {
    /** e.g. {@code linear}, {@code mlp}. */
    String id();

    /** Adds the head on {@code features} under the builder's current scope; returns logits/values. */
    Node build(NetworkBuilder b, Node features, HeadSpec spec);
}
