package dev.graft.core.internal.train;

import dev.graft.engine.spi.HostTensor;
import java.util.Map;

/** Network inputs for batches of examples, by index. */
public interface BatchSource {
    int size();

    /** Inputs (without labels) for the examples at {@code indices}. */
    Map<String, HostTensor> inputs(int[] indices, boolean training, long seed);
}
