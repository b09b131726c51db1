package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The native memory of one call (a prediction or a training step). DJL puts an op's result in
 * the manager of its first operand, which for a parameter is the model's long-lived manager;
 * {@link #own} moves every such result into this scope's sub-manager, so that closing the scope
 * frees everything the call created and nothing else.
 */
final class PtScope implements AutoCloseable {
    private final NDManager manager;
    private final Set<NDArray> persistent;
    private Map<NDArray, NDArray> classIndices;

    /**
     * @param parent     the model's manager
     * @param persistent the model's parameter and slot arrays (an identity set), never moved
     */
    PtScope(NDManager parent, Set<NDArray> persistent) {
        this.manager = parent.newSubManager();
        this.persistent = persistent;
    }

    NDManager manager() {
        return manager;
    }

    /** Makes {@code a} belong to this scope unless it is a parameter; returns it. */
    NDArray own(NDArray a) {
        if (a.getManager() != manager && !persistent.contains(a)) {
            a.attach(manager);
        }
        return a;
    }

    /** Frees {@code a} now, unless it is a parameter or slot. */
    void release(NDArray a) {
        if (!persistent.contains(a)) {
            a.close();
        }
    }

    /**
     * Records that {@code column} (INT64 [N, 1]) holds the same class indices as {@code labels} (INT32 [N]), so that a
     * loss can gather with it instead of converting and reshaping the labels itself.
     */
    void classIndex(NDArray labels, NDArray column) {
        if (classIndices == null) {
            classIndices = new IdentityHashMap<>();
        }
        classIndices.put(labels, column);
    }

    /** The column recorded for {@code labels} by {@link #classIndex}, or null. */
    NDArray classIndexOf(NDArray labels) {
        return classIndices == null ? null : classIndices.get(labels);
    }

    @Override
    public void close() {
        manager.close();
    }
}
