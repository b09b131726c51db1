package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.engine.spi.graph.Network;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.ConfigProto;

/** TensorFlow 2.16 through DJL's TensorFlow engine: graph-mode training, SavedModels. */
final class TfEngine implements Engine {
    static final String ID = "tensorflow";
    private static final Map<EngineSettings, TfEngine> INSTANCES = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path libraryDir;
    private final EngineSettings settings;
    /** The session configuration of every model this engine compiles, built once. */
    private final ConfigProto sessionConfig;

    private TfEngine(Path libraryDir, EngineSettings settings) {
        this.libraryDir = libraryDir;
        this.settings = settings;
        this.sessionConfig = TfSessionConfig.of(settings);
    }

    /** The engine for these settings; the native runtime loads once per process. */
    static TfEngine instance(EngineSettings settings) {
        TfSessionConfig.check(settings);
        return INSTANCES.computeIfAbsent(settings, s -> new TfEngine(TfNativeLibrary.ensureLoaded(s), s));
    }

    EngineSettings settings() {
        return settings;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String version() {
        return "TensorFlow " + TfNativeLibrary.TF_VERSION;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.copyOf(new TfEngineProvider().capabilities());
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("engine", ID);
        m.put("runtime", version());
        m.put("djl", ai.djl.engine.Engine.getDjlVersion());
        m.put("library", libraryDir.toString());
        m.put("threads", settings.threads() > 0 ? Integer.toString(settings.threads())
                : "default (" + Runtime.getRuntime().availableProcessors() + " cores)");
        m.put("intraop-pool", TfNativeLibrary.poolThreads() > 0 ? Integer.toString(TfNativeLibrary.poolThreads())
                : "default (" + Runtime.getRuntime().availableProcessors() + ")");
        m.put("interop-threads", settings.interOpThreads() > 0 ? Integer.toString(settings.interOpThreads()) : "default");
        m.put("precision", settings.precision().toString());
        m.put("onednn", System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "default (on)"));
        return m;
    }

    /**
     * One of several callers runs its calls' graphs in its own thread ({@link TfCompiledModel#runInCaller}); one caller
     * alone (callers 1) goes back to the inter-op pool, which runs a graph's independent ops at once. The intra-op pool
     * is shared by every caller: this returns 1 where it has one thread (each call then runs wholly in its caller),
     * else 0.
     */
    @Override
    public int shareThreads(int callers) {
        Engine.super.shareThreads(callers); // checks callers
        TfCompiledModel.runInCaller(callers > 1);
        return callers > 1 && TfNativeLibrary.effectivePoolThreads() == 1 ? 1 : 0;
    }

    @Override
    public CompiledModel compile(Network network, long seed) {
        return new TfCompiledModel(network, seed, sessionConfig);
    }

    @Override
    public CompiledModel compile(Network network, long seed, Map<String, HostTensor> values) {
        return new TfCompiledModel(network, seed, values, sessionConfig);
    }

    @Override
    public SavedModel openSavedModel(Path directory, String tags, SavedModelOptions options) {
        return TfSavedModel.open(directory, tags, options);
    }

    @Override
    public void exportSavedModel(CompiledModel model, List<String> outputs, Path directory) {
        if (!(model instanceof TfCompiledModel tfm)) {
            throw new IllegalArgumentException("export needs a model compiled by the TensorFlow engine; "
                    + "load the saved Graft model with --engine tensorflow first");
        }
        TfSavedModelExport.export(tfm, outputs, directory);
    }
}
