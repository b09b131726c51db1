package dev.graft.core.spi;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;

/** A network input a backbone needs: name, type and shape (batch dimension -1). */
public record InputSpec(String name, DType dtype, Shape shape) {
}
