package dev.graft.vision.weights;

import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.HostTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weights mapped onto a network's parameter names (relative to the network's scope), the
 * preprocessing those weights expect, and the mapping report.
 */
public record ImportedWeights(Map<String, HostTensor> tensors, Preprocessing preprocessing, ImportReport report) {
    public ImportedWeights {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }
}
