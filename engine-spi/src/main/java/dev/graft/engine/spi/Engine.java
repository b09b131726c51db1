package dev.graft.engine.spi;

import dev.graft.engine.spi.graph.Network;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** A loaded runtime that compiles network definitions into runnable, trainable models. */
public interface Engine {
    String id();

    /** The runtime's own version, e.g. {@code TensorFlow 2.16.2}. */
    String version();

    Set<Capability> capabilities();

    /** Engine, library and thread facts for reports. */
    Map<String, String> describe();

    /** Compiles a network; parameters start from {@code network.initialValues(seed)}. */
    CompiledModel compile(Network network, long seed);

    /**
     * Compiles a network whose parameters start from {@code values} where given (pretrained or saved
     * weights) and from {@code network.initialValues(seed)} elsewhere: the same model as
     * {@code compile(network, seed)} followed by {@code setParameters(values)}, with the same errors
     * for an unknown name or a wrong shape, but without drawing random values for parameters that
     * would be overwritten at once (110 M of them for BERT-Base). Engines override the default.
     */
    default CompiledModel compile(Network network, long seed, Map<String, HostTensor> values) {
        CompiledModel m = compile(network, seed);
        try {
            m.setParameters(values);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Opens a TensorFlow SavedModel directory as untrusted: it can be described (signatures,
     * variables, op types), but running it is refused. Same as
     * {@code openSavedModel(directory, tags, SavedModelOptions.untrustedModel())}.
     *
     * @throws UnsupportedOperationException unless {@link Capability#SAVED_MODEL} is offered
     */
    default SavedModel openSavedModel(Path directory, String tags) {
        return openSavedModel(directory, tags, SavedModelOptions.untrustedModel());
    }

    /**
     * Opens a TensorFlow SavedModel directory. Running its graph needs
     * {@link SavedModelOptions#trustedModel()}: a SavedModel is a program (see docs/security.md).
     *
     * @throws UnsupportedOperationException unless {@link Capability#SAVED_MODEL} is offered
     */
    default SavedModel openSavedModel(Path directory, String tags, SavedModelOptions options) {
        throw new UnsupportedOperationException("engine '" + id() + "' cannot open TensorFlow SavedModels");
    }

    /**
     * Exports a compiled model's inference function as a TensorFlow SavedModel.
     *
     * @throws UnsupportedOperationException unless {@link Capability#SAVED_MODEL_EXPORT} is offered
     */
    default void exportSavedModel(CompiledModel model, java.util.List<String> outputs, Path directory) {
        throw new UnsupportedOperationException("engine '" + id() + "' cannot export TensorFlow SavedModels");
    }

    /**
     * Prepares the calling thread as one of {@code callers} threads that will run this engine's calls at the same
     * time (a server's batch workers), before its first call. Where each calling thread drives intra-op threads of its
     * own (PyTorch: an OpenMP team per caller), the caller gets its share of the engine's threads, so that
     * {@code callers} calls in flight use those threads once between them instead of {@code callers} times over, as
     * a serving system divides the cores among its workers. Where every caller feeds one shared pool (TensorFlow's
     * intra-op pool), the caller's calls run their graphs in the caller's own thread instead of handing each op to
     * another pool, since the other callers keep the cores busy. Other threads keep the engine's setting;
     * {@code callers} 1 gives the calling thread the engine's setting back.
     *
     * @return the intra-op threads this caller's calls use, or 0 where the callers share one pool of several threads
     * @throws IllegalArgumentException if {@code callers} is below 1
     */
    default int shareThreads(int callers) {
        if (callers < 1) {
            throw new IllegalArgumentException("callers: must be at least 1, got " + callers);
        }
        return 0;
    }

    /** What an engine can do beyond compiling and training networks. */
    enum Capability {
        TRAINING,
        SAVED_MODEL,
        SAVED_MODEL_EXPORT
    }
}
