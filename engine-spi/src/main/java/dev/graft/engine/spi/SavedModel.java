package dev.graft.engine.spi;

import java.util.List;
import java.util.Map;

/** An opened TensorFlow SavedModel: its signatures, variables, and inference through them. */
public interface SavedModel extends AutoCloseable {
    /** Signature name to its inputs and outputs. */
    Map<String, Signature> signatures();

    /**
     * Runs a signature on host tensors, returning the requested outputs. Thread-safe.
     *
     * @throws EngineException unless the model was opened with {@link SavedModelOptions#trustedModel()}
     */
    Map<String, HostTensor> run(String signature, Map<String, HostTensor> inputs, List<String> outputs);

    /** Variable names and shapes. */
    Map<String, Shape> variables();

    /**
     * Current values of the named variables (loading the model runs its restore and init ops).
     *
     * @throws EngineException unless the model was opened with {@link SavedModelOptions#trustedModel()}
     */
    Map<String, HostTensor> readVariables(List<String> names);

    /** Whether the model was opened as trusted, so that it may run. */
    boolean trusted();

    /** The op types the graph uses, for allow-listing untrusted models. */
    java.util.Set<String> opTypes();

    @Override
    void close();

    /** A signature's tensors by key. */
    record Signature(String name, Map<String, TensorInfo> inputs, Map<String, TensorInfo> outputs) {
    }

    /** A tensor's type and (possibly partly unknown) shape. */
    record TensorInfo(String dtype, Shape shape) {
    }
}
