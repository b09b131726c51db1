package dev.graft.core.internal.assembly;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;

/** The type and shape of the {@code label} input a training network reads. */
public interface LabelSpec {
    DType dtype();

    Shape shape();
}
