package dev.graft.core.internal.train;

import dev.graft.engine.spi.HostTensor;
import java.util.Map;

/** Network inputs for batches of examples, by index. */
public interface BatchSource {
    int size();

    /** Inputs (without labels) for the examples at {@code indices}. */
    Map<String, HostTensor> inputs(int[] indices, boolean training, long seed);

    /**
     * A hint that the next {@link #inputs} call will ask for this batch: a source that encodes raw
     * examples may start on it in the background. The inputs returned must not depend on it.
     */
    default void prefetch(int[] indices, boolean training, long seed) {
    }
}
