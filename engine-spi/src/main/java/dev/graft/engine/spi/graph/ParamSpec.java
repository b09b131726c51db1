package dev.graft.engine.spi.graph;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;

/**
 * A named parameter of a network. {@code trainable == false} marks state that training may update
 * without gradients (BatchNorm moving statistics) or constants loaded with weights.
 */
public record ParamSpec(String name, Shape shape, DType dtype, Initializer initializer, boolean trainable) {
    public long size() {
        return shape.size();
    }
}
