package dev.graft.core.internal.cache;

import dev.graft.engine.spi.CompiledModel;
import java.util.function.Supplier;

/**
 * The compiled backbone network, compiled (and given its weights) on the first {@link #get}, so
 * that a feature pass whose features all come from the cache never builds it.
 */
public final class LazyBackbone implements Supplier<CompiledModel>, AutoCloseable {
    private final Supplier<CompiledModel> compile;
    private CompiledModel model;

    /** @param compile compiles the backbone network and sets its parameters */
    public LazyBackbone(Supplier<CompiledModel> compile) {
        this.compile = compile;
    }

    @Override
    public CompiledModel get() {
        if (model == null) {
            model = compile.get();
        }
        return model;
    }

    /** Whether the backbone was compiled. */
    public boolean compiled() {
        return model != null;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
