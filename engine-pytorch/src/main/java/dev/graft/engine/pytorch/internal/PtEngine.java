package dev.graft.engine.pytorch.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.graph.Network;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * PyTorch 2.7 through DJL's PyTorch engine: networks are interpreted op by op on NDArrays and
 * trained with autograd ({@link ai.djl.training.GradientCollector}).
 */
final class PtEngine implements Engine {
    static final String ID = "pytorch";
    /**
     * DJL allows one PyTorch GradientCollector at a time in the whole process, so training steps
     * of different models take turns on this lock.
     */
    static final ReentrantLock AUTOGRAD = new ReentrantLock();
    private static volatile PtEngine instance;
    private final Path libraryDir;
    private final ai.djl.engine.Engine djl;

    private PtEngine(Path libraryDir) {
        this.libraryDir = libraryDir;
        this.djl = ai.djl.engine.Engine.getEngine("PyTorch");
    }

    /** The process-wide engine: the native runtime loads once. */
    static PtEngine instance() {
        PtEngine e = instance;
        if (e == null) {
            synchronized (PtEngine.class) {
                e = instance;
                if (e == null) {
                    e = new PtEngine(PtNativeLibrary.ensureLoaded());
                    instance = e;
                }
            }
        }
        return e;
    }

    ai.djl.engine.Engine djl() {
        return djl;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String version() {
        return "PyTorch " + djl.getVersion();
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.TRAINING);
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("engine", ID);
        m.put("runtime", version());
        m.put("djl", ai.djl.engine.Engine.getDjlVersion());
        m.put("library", libraryDir.toString());
        m.put("threads", Integer.toString(ai.djl.pytorch.jni.JniUtils.getNumThreads()));
        return m;
    }

    /** Each caller runs its own OpenMP team, so a caller gets {@code 1/callers} of the threads (at least one). */
    @Override
    public int shareThreads(int callers) {
        return PtNativeLibrary.shareThreads(callers);
    }

    @Override
    public CompiledModel compile(Network network, long seed) {
        return new PtCompiledModel(this, network, seed);
    }

    @Override
    public CompiledModel compile(Network network, long seed, java.util.Map<String, dev.graft.engine.spi.HostTensor> values) {
        return new PtCompiledModel(this, network, seed, values);
    }
}
