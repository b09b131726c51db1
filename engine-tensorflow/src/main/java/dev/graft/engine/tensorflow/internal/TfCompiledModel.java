package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.train.NonFiniteLossException;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * A network compiled into one TensorFlow graph: variables, an inference forward pass, and per
 * training plan a forward pass, its gradients ({@link Graph#addGradients}), clipping, the fused
 * optimizer updates and BatchNorm statistics updates, all run by one {@code Session.run} per step.
 */
final class TfCompiledModel implements CompiledModel {
    private final Network net;
    private final Graph graph;
    private final Session session;
    private final Ops tf;
    private final Map<String, VarHandleOp> handles = new LinkedHashMap<>();
    private final Map<String, Placeholder<?>> inputs = new LinkedHashMap<>();
    private final Map<String, Assigner> assigners = new HashMap<>();
    private final TfNetworkCompiler compiler;
    private final TfNetworkCompiler.Forward inference;
    /**
     * Under bfloat16 precision: the inference graph again, reading bfloat16 copies of the product kernels, which
     * {@link #predict} runs; null otherwise. {@link #inference} (float32 reads) stays for exports and parameters.
     */
    private final TfNetworkCompiler.Forward bf16Inference;
    /** Assigns every bfloat16 copy from its float32 parameter. */
    private final List<Op> bf16Refresh = new ArrayList<>();
    /** The parameters changed since the bfloat16 copies were last made. */
    private volatile boolean bf16Stale;
    private final Map<String, Operand<?>> paramReads = new LinkedHashMap<>();
    private final Map<String, VarHandleOp> slotHandles = new LinkedHashMap<>();
    private final Map<String, Operand<?>> slotReads = new LinkedHashMap<>();
    private final Map<TrainKey, TfTrainGraph> trainGraphs = new HashMap<>();
    private final Placeholder<TFloat32> lrFeed;
    private final Placeholder<TFloat32> beta1PowerFeed;
    private final Placeholder<TFloat32> beta2PowerFeed;
    private final Placeholder<TInt64> seedFeed;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Whether this thread's {@link #predict} calls run their ops in the thread itself ({@link #runInCaller}). */
    private static final ThreadLocal<Boolean> IN_CALLER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Session.run's option to execute the graph in the calling thread instead of handing ops to the inter-op pool. */
    private static final org.tensorflow.proto.RunOptions RUN_IN_CALLER = org.tensorflow.proto.RunOptions.newBuilder()
            .setInterOpThreadPool(-1).build();
    private TrainingConfig config;
    private TfTrainGraph train;
    private long step;
    private volatile boolean closed;

    /** Feeds and runs an AssignVariableOp for one variable. */
    private record Assigner(Placeholder<?> feed, Op assign) {
    }

    private record TrainKey(OptimizerSpec optimizer, List<ParamGroup> groups, double clip) {
    }

    TfCompiledModel(Network net, long seed, org.tensorflow.proto.ConfigProto sessionConfig) {
        this(net, seed, Map.of(), sessionConfig);
    }

    /** Parameters start from {@code values} where given, from their seeded initial values elsewhere. */
    TfCompiledModel(Network net, long seed, Map<String, HostTensor> values, org.tensorflow.proto.ConfigProto sessionConfig) {
        this.net = net;
        this.graph = new Graph();
        boolean ok = false;
        try {
            this.tf = Ops.create(graph);
            for (Map.Entry<String, Integer> e : net.inputs().entrySet()) {
                Node n = net.node(e.getValue());
                inputs.put(e.getKey(), tf.withName("input_" + sanitize(e.getKey())).placeholder(TfTensors.tfType(n.dtype()),
                        Placeholder.shape(TfTensors.tfShape(n.shape()))));
            }
            for (ParamSpec p : net.params().values()) {
                VarHandleOp h = createVariable("param/" + p.name(), p);
                handles.put(p.name(), h);
                assigners.put("param/" + p.name(), assigner(h, p.dtype(), p.shape()));
            }
            this.compiler = new TfNetworkCompiler(net, inputs, handles);
            BitSet all = new BitSet();
            all.set(0, net.nodes().size());
            Ops inf = tf.withSubScope("inference");
            this.inference = compiler.translate(inf, all, false, name -> false, null);
            this.bf16Inference = bf16(sessionConfig) ? bf16Inference(all) : null;
            for (ParamSpec p : net.params().values()) {
                Operand<?> r = inference.reads.get(p.name());
                paramReads.put(p.name(), r != null ? r : inf.readVariableOp(handles.get(p.name()), TfTensors.tfType(p.dtype())));
            }
            this.lrFeed = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
            this.beta1PowerFeed = tf.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
            this.beta2PowerFeed = tf.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
            this.seedFeed = tf.withName("dropout_seed").placeholder(TInt64.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(2)));
            this.session = new Session(graph, sessionConfig);
            try {
                setParameters(values); // first: an unknown name or a wrong shape fails before any random value is drawn
                setParameters(net.initialValues(seed, values.keySet()));
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            ok = true;
        } finally {
            if (!ok) {
                graph.close();
            }
        }
    }

    private static boolean bf16(org.tensorflow.proto.ConfigProto c) {
        return c.getGraphOptions().getRewriteOptions().getAutoMixedPrecisionOnednnBfloat16()
                == org.tensorflow.proto.RewriterConfig.Toggle.ON;
    }

    /**
     * bfloat16 auto mixed precision narrows a product's float32 kernel to bfloat16 on every call: for MiniLM 42 MB
     * read and 21 MB written per call, whatever the batch, which made served calls of 8 texts cost more than float32
     * ones. Here each such kernel ({@link TfNetworkCompiler#productOnlyParams}) gets a bfloat16 copy, made when the
     * parameters change, and a second inference graph reads the copies; the rewrite then multiplies by them directly.
     * The values multiplied are the same bfloat16 roundings of the same weights, so predictions do not change.
     * Costs half the kernels' float32 bytes again in memory.
     */
    private TfNetworkCompiler.Forward bf16Inference(BitSet all) {
        Map<String, VarHandleOp> copies = new LinkedHashMap<>();
        for (String name : compiler.productOnlyParams()) {
            ParamSpec p = net.params().get(name);
            VarHandleOp c = tf.withName("bf16_" + sanitize(name)).varHandleOp(org.tensorflow.types.TBfloat16.class,
                    TfTensors.tfShape(p.shape()), VarHandleOp.sharedName("bf16/" + name + "#" + System.identityHashCode(this)));
            copies.put(name, c);
            bf16Refresh.add(tf.assignVariableOp(c, tf.dtypes.cast(tf.readVariableOp(handles.get(name), TFloat32.class),
                    org.tensorflow.types.TBfloat16.class)));
        }
        if (copies.isEmpty()) {
            return null;
        }
        bf16Stale = true;
        return compiler.withBf16Copies(copies).translate(tf.withSubScope("inference_bf16"), all, false, name -> false, null);
    }

    /** Makes the bfloat16 copies again if the parameters changed since (under the write lock). */
    private void refreshBf16Copies() {
        lock.writeLock().lock();
        try {
            if (bf16Stale) {
                Session.Runner r = session.runner();
                bf16Refresh.forEach(r::addTarget);
                r.run().close();
                bf16Stale = false;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private VarHandleOp createVariable(String sharedName, ParamSpec p) {
        return tf.withName("var_" + sanitize(sharedName)).varHandleOp(TfTensors.tfType(p.dtype()), TfTensors.tfShape(p.shape()),
                VarHandleOp.sharedName(sharedName + "#" + System.identityHashCode(this)));
    }

    private Assigner assigner(VarHandleOp h, DType dtype, dev.graft.engine.spi.Shape shape) {
        Placeholder<?> feed = tf.placeholder(TfTensors.tfType(dtype), Placeholder.shape(TfTensors.tfShape(shape)));
        return new Assigner(feed, tf.assignVariableOp(h, feed));
    }

    static String sanitize(String name) {
        return name.replaceAll("[^A-Za-z0-9_.\\-/]", "_").replace("/", "_");
    }

    org.tensorflow.Operand<?> inputPlaceholder(String name) {
        return inputs.get(name);
    }

    org.tensorflow.Operand<?> inferenceOutput(String output) {
        return inference.values[net.output(output).id()];
    }

    Graph graph() {
        return graph;
    }

    Session session() {
        return session;
    }

    /**
     * Makes the calling thread's predictions (of every model) run their graph in the thread itself, where TensorFlow
     * otherwise hands each op to its inter-op pool and waits: for a thread that is one of several calling at once,
     * which keep the cores busy between them, so the hand-offs (a futex wake and sleep per op) are pure cost. Ops
     * still split their work over the intra-op pool; with a pool of one thread a call runs wholly in its caller.
     */
    static void runInCaller(boolean inCaller) {
        IN_CALLER.set(inCaller);
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public Map<String, HostTensor> predict(Map<String, HostTensor> feeds, List<String> outputs) {
        ensureOpen();
        List<String> needed = net.inputsFor(outputs); // worked out once per list by the network
        TfNetworkCompiler.Forward graphOut = bf16Inference != null ? bf16Inference : inference;
        while (true) {
            if (bf16Inference != null && bf16Stale) {
                refreshBf16Copies();
            }
            lock.readLock().lock();
            if (bf16Inference == null || !bf16Stale) {
                break; // holding the read lock, with copies as fresh as the parameters
            }
            lock.readLock().unlock();
        }
        List<Tensor> owned = new ArrayList<>();
        try {
            Session.Runner r = session.runner();
            if (IN_CALLER.get()) {
                r.setOptions(RUN_IN_CALLER);
            }
            for (String in : needed) {
                HostTensor h = feeds.get(in);
                if (h == null) {
                    throw new IllegalArgumentException("input '" + in + "' is required for outputs " + outputs
                            + "; given " + feeds.keySet());
                }
                checkFeed(in, h);
                Tensor t = TfTensors.toTf(h);
                owned.add(t);
                r.feed(inputs.get(in), t);
            }
            // an output that is a fed input itself (an INPUT output, inference dropout) cannot be
            // fetched: TensorFlow rejects a tensor that is both fed and fetched
            Map<String, HostTensor> passThrough = new LinkedHashMap<>();
            List<String> fetched = new ArrayList<>();
            for (String o : outputs) {
                Operand<?> v = graphOut.values[net.output(o).id()];
                String fedInput = fedInput(v);
                if (fedInput != null) {
                    passThrough.put(o, feeds.get(fedInput));
                } else {
                    r.fetch(v);
                    fetched.add(o);
                }
            }
            Map<String, HostTensor> got = new LinkedHashMap<>(passThrough);
            if (!fetched.isEmpty()) {
                try (Result res = r.run()) {
                    for (int i = 0; i < fetched.size(); i++) {
                        got.put(fetched.get(i), TfTensors.fromTf(res.get(i)));
                    }
                }
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            outputs.forEach(o -> out.put(o, got.get(o)));
            return out;
        } finally {
            owned.forEach(Tensor::close);
            lock.readLock().unlock();
        }
    }

    private String fedInput(Operand<?> v) {
        for (Map.Entry<String, Placeholder<?>> e : inputs.entrySet()) {
            if (e.getValue() == v) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Adds save and restore ops for the resource variables under the names TensorFlow Java's
     * exporter looks for ({@code save/filename}, {@code save/control_dependency},
     * {@code save/restore_all}): its own saver only handles reference variables (VariableV2), so
     * an exported SavedModel would otherwise carry no weights.
     */
    void ensureResourceSaver() {
        lock.writeLock().lock();
        try {
            flushSlotInit();
            if (graph.operation("save/restore_all") != null) {
                return;
            }
            Ops s = tf.withSubScope("save");
            Placeholder<org.tensorflow.types.TString> filename = s.withName("filename").placeholder(org.tensorflow.types.TString.class);
            Map<VarHandleOp, DType> all = new LinkedHashMap<>();
            handles.forEach((k, h) -> all.put(h, net.param(k).dtype()));
            slotHandles.forEach((k, h) -> all.put(h, net.param(k.substring(k.indexOf('/') + 1)).dtype()));
            List<String> names = new ArrayList<>();
            List<Operand<?>> values = new ArrayList<>();
            List<Class<? extends TType>> types = new ArrayList<>();
            all.forEach((h, dtype) -> {
                Class<? extends TType> type = TfTensors.tfType(dtype);
                names.add(h.op().name());
                values.add(s.readVariableOp(h, type));
                types.add(type);
            });
            Operand<org.tensorflow.types.TString> tensorNames = s.constant(org.tensorflow.ndarray.StdArrays.ndCopyOf(names.toArray(new String[0])));
            Operand<org.tensorflow.types.TString> slices = s.zerosLike(tensorNames);
            Op save = s.train.save(filename, tensorNames, slices, values);
            s.withControlDependencies(List.of(filename, save)).withName("control_dependency").identity(filename);
            org.tensorflow.op.train.Restore restored = s.train.restore(filename, tensorNames, slices, types);
            List<Op> assigns = new ArrayList<>();
            int i = 0;
            for (VarHandleOp h : all.keySet()) {
                assigns.add(s.assignVariableOp(h, restored.tensors().get(i++)));
            }
            s.withControlDependencies(assigns).withName("restore_all").noOp();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkFeed(String in, HostTensor h) {
        Node n = net.input(in);
        if (h.dtype() != n.dtype() || !n.shape().accepts(h.shape())) {
            throw new IllegalArgumentException("input '" + in + "' expects " + n.dtype() + n.shape() + ", got "
                    + h.dtype() + h.shape());
        }
    }

    @Override
    public void configureTraining(TrainingConfig cfg) {
        ensureOpen();
        if (net.lossOutput().isEmpty()) {
            throw new IllegalStateException("network has no loss output; declare one with NetworkBuilder.loss()");
        }
        TrainKey key = new TrainKey(cfg.optimizer(), cfg.groups(), cfg.clipGlobalNorm());
        lock.writeLock().lock();
        try {
            TfTrainGraph g = trainGraphs.get(key);
            if (g == null) {
                g = new TfTrainGraph(this, tf.withSubScope("train" + trainGraphs.size()), cfg);
                trainGraphs.put(key, g);
            }
            this.train = g;
            this.config = cfg;
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- accessors for the training graph builder ------------------------------------------

    TfNetworkCompiler compiler() {
        return compiler;
    }

    Map<String, VarHandleOp> handles() {
        return handles;
    }

    Placeholder<TFloat32> lrFeed() {
        return lrFeed;
    }

    Placeholder<TFloat32> beta1PowerFeed() {
        return beta1PowerFeed;
    }

    Placeholder<TFloat32> beta2PowerFeed() {
        return beta2PowerFeed;
    }

    Placeholder<TInt64> seedFeed() {
        return seedFeed;
    }

    /** The slot variable {@code slot/param}, created (zero-initialised) on first use. */
    VarHandleOp slot(String slot, String param) {
        String key = slot + "/" + param;
        VarHandleOp h = slotHandles.get(key);
        if (h == null) {
            ParamSpec p = net.param(param);
            h = createVariable("opt/" + key, p);
            slotHandles.put(key, h);
            assigners.put("opt/" + key, assigner(h, p.dtype(), p.shape()));
            slotReads.put(key, tf.readVariableOp(h, TfTensors.tfType(p.dtype())));
            // zeros made by TensorFlow (Fill), not fed from the host: Adam's two slots of BERT-Base were
            // 880 MB of Java zeros, then a native copy of them, before the variables held them
            if (slotInit == null) {
                slotInit = tf.withSubScope("slot_init");
            }
            Ops z = slotInit;
            Operand<TInt64> dims = z.constant(p.shape().dims());
            // the zero is fed, not a constant: with a constant, grappler folds each Fill of up to 10 MiB into a
            // constant that the (cached) initialisation graph keeps for the life of the session, and the
            // assignment copies it: BERT-Base's slots left 0.27 GB of such constants in TensorFlow's pool
            Operand<?> zeros = p.dtype() == DType.INT32 ? z.fill(dims, slotZero(TInt32.class))
                    : z.fill(dims, slotZero(TFloat32.class));
            pendingSlotInit.put(key, z.assignVariableOp(h, zeros));
        }
        return h;
    }

    private Ops slotInit;

    /** The fed zero of the slots' initialisation, by type. */
    private final Map<Class<?>, Placeholder<?>> slotZeros = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    private <T extends TType> Placeholder<T> slotZero(Class<T> type) {
        return (Placeholder<T>) slotZeros.computeIfAbsent(type,
                t -> slotInit.placeholder(type, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar())));
    }

    /** Zero-initialisation of slots created and not yet initialised. */
    private final Map<String, Op> pendingSlotInit = new LinkedHashMap<>();

    private void flushSlotInit() {
        if (!pendingSlotInit.isEmpty()) {
            lock.writeLock().lock();
            try {
                Session.Runner r = session.runner();
                pendingSlotInit.values().forEach(r::addTarget);
                List<Tensor> zeros = new ArrayList<>();
                try {
                    for (Map.Entry<Class<?>, Placeholder<?>> e : slotZeros.entrySet()) {
                        Tensor t = e.getKey() == TInt32.class ? TInt32.scalarOf(0) : TFloat32.scalarOf(0f);
                        zeros.add(t);
                        r.feed(e.getValue(), t);
                    }
                    r.run().close();
                } finally {
                    zeros.forEach(Tensor::close);
                }
                pendingSlotInit.clear();
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    @Override
    public StepResult trainStep(Map<String, HostTensor> batch) {
        ensureOpen();
        if (train == null) {
            throw new IllegalStateException("call configureTraining() before trainStep()");
        }
        lock.writeLock().lock();
        try {
            flushSlotInit();
            double lr = config.schedule().at(step);
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalStateException("learning-rate schedule gave " + lr + " at step " + step);
            }
            TfTrainGraph.Outcome o = train.run(batch, step, lr, config);
            if (!o.finite()) {
                String[] culprit = train.firstNonFinite(batch, step, config);
                throw new NonFiniteLossException(step, o.loss(), culprit == null ? null : culprit[0],
                        culprit == null ? null : culprit[1]);
            }
            StepResult res = new StepResult(step, o.loss(), o.gradNorm(), lr);
            step++;
            return res;
        } finally {
            bf16Stale = bf16Inference != null; // a step that failed part-way may have moved parameters too
            lock.writeLock().unlock();
        }
    }

    /** Feeds a batch's inputs that the given nodes need; returns tensors to close. */
    List<Tensor> feedInputs(Session.Runner r, Map<String, HostTensor> batch, List<String> needed) {
        List<Tensor> owned = new ArrayList<>();
        try {
            for (String in : needed) {
                HostTensor h = batch.get(in);
                if (h == null) {
                    throw new IllegalArgumentException("training batch lacks input '" + in + "'; given " + batch.keySet());
                }
                checkFeed(in, h);
                Tensor t = TfTensors.toTf(h);
                owned.add(t);
                r.feed(inputs.get(in), t);
            }
            return owned;
        } catch (RuntimeException e) {
            owned.forEach(Tensor::close);
            throw e;
        }
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public Map<String, HostTensor> parameters() {
        ensureOpen();
        return fetchAll(paramReads);
    }

    /**
     * Bytes of parameters fetched per {@code Session.run} when saving: fetching all of BERT-Base at once put
     * a 440 MB copy on the Java heap while the model's native memory (variables, optimizer slots) was still
     * allocated, the peak of a whole fine-tuning run.
     */
    static final long SAVE_GROUP_BYTES = 32L << 20;

    /** The most bytes of parameters or slots one fetch has copied to the host so far. */
    private volatile long largestFetchBytes;

    long largestFetchBytes() {
        return largestFetchBytes;
    }

    /**
     * Writes every parameter a group at a time; each group's tensors go from TensorFlow's memory to the file (views of
     * the fetched tensors, closed once the group is written), not through the Java heap: BERT-Base's weights copied to
     * byte arrays grew the heap by about 200 MB at the first save (the best epoch's weights, after epoch 1), which
     * stayed committed for the rest of the run, and writing a heap buffer made the JDK keep a direct copy of the
     * largest tensor (the 94 MB word embeddings) in its per-thread cache of temporary buffers.
     */
    @Override
    public void saveParameters(java.nio.file.Path file, Map<String, String> metadata) throws java.io.IOException {
        ensureOpen();
        List<SafeTensors.Layout> layout = new ArrayList<>();
        net.params().values().forEach(p -> layout.add(new SafeTensors.Layout(p.name(), p.dtype(), p.shape())));
        Result[] fetched = new Result[1];
        lock.readLock().lock();
        try {
            SafeTensors.write(file, layout, SAVE_GROUP_BYTES, names -> {
                if (fetched[0] != null) {
                    // the previous group is written: its views are not used again
                    fetched[0].close();
                    fetched[0] = null;
                }
                Session.Runner r = session.runner();
                names.forEach(n -> r.fetch(paramReads.get(n)));
                fetched[0] = r.run();
                Map<String, HostTensor> out = new LinkedHashMap<>();
                long bytes = 0;
                for (int i = 0; i < names.size(); i++) {
                    HostTensor t = TfTensors.view(fetched[0].get(i));
                    out.put(names.get(i), t);
                    bytes += t.byteSize();
                }
                largestFetchBytes = Math.max(largestFetchBytes, bytes);
                return out;
            }, metadata);
        } finally {
            if (fetched[0] != null) {
                fetched[0].close();
            }
            lock.readLock().unlock();
        }
    }

    @Override
    public Map<String, HostTensor> optimizerState() {
        ensureOpen();
        lock.writeLock().lock();
        try {
            flushSlotInit();
        } finally {
            lock.writeLock().unlock();
        }
        return fetchAll(slotReads);
    }

    private Map<String, HostTensor> fetchAll(Map<String, Operand<?>> reads) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        if (reads.isEmpty()) {
            return out;
        }
        lock.readLock().lock();
        try {
            Session.Runner r = session.runner();
            List<String> names = new ArrayList<>(reads.keySet());
            names.forEach(n -> r.fetch(reads.get(n)));
            long bytes = 0;
            try (Result res = r.run()) {
                for (int i = 0; i < names.size(); i++) {
                    HostTensor t = TfTensors.fromTf(res.get(i));
                    out.put(names.get(i), t);
                    bytes += t.byteSize();
                }
            }
            largestFetchBytes = Math.max(largestFetchBytes, bytes);
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void setParameters(Map<String, HostTensor> values) {
        ensureOpen();
        Map<String, HostTensor> m = new LinkedHashMap<>();
        values.forEach((name, v) -> {
            net.checkParameterValue(name, v);
            m.put("param/" + name, v);
        });
        assign(m);
    }

    @Override
    public void setOptimizerState(Map<String, HostTensor> slots, long newStep) {
        ensureOpen();
        if (newStep < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + newStep);
        }
        lock.writeLock().lock();
        try {
            Map<String, HostTensor> m = new LinkedHashMap<>();
            slots.forEach((key, v) -> {
                int slash = key.indexOf('/');
                if (slash <= 0) {
                    throw new IllegalArgumentException("optimizer slot name '" + key + "' is not slot/parameter");
                }
                String param = key.substring(slash + 1);
                ParamSpec p = net.params().get(param);
                if (p == null || !p.shape().equals(v.shape())) {
                    throw new IllegalArgumentException("optimizer slot '" + key + "' does not match a parameter of this network");
                }
                slot(key.substring(0, slash), param);
                m.put("opt/" + key, v);
            });
            pendingSlotInit.keySet().removeAll(slots.keySet());
            flushSlotInit();
            assign(m);
            this.step = newStep;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Bytes of host values copied into TensorFlow tensors per {@code Session.run} when assigning:
     * all of BERT-Base's 440 MB in one run held a second native copy of every weight beside the
     * variables until the run ended; in runs of at most this many bytes the copy is bounded.
     */
    static final long ASSIGN_CHUNK_BYTES = 32L << 20;

    private void assign(Map<String, HostTensor> values) {
        if (values.isEmpty()) {
            return;
        }
        lock.writeLock().lock();
        List<Tensor> owned = new ArrayList<>();
        try {
            Session.Runner r = session.runner();
            long bytes = 0;
            for (Map.Entry<String, HostTensor> e : values.entrySet()) {
                if (bytes > 0 && bytes + e.getValue().byteSize() > ASSIGN_CHUNK_BYTES) {
                    runAndRelease(r, owned);
                    r = session.runner();
                    bytes = 0;
                }
                Assigner a = assigners.get(e.getKey());
                Tensor t = TfTensors.toTf(e.getValue());
                owned.add(t);
                r.feed(a.feed(), t);
                r.addTarget(a.assign());
                bytes += e.getValue().byteSize();
            }
            runAndRelease(r, owned);
        } finally {
            bf16Stale = bf16Inference != null;
            owned.forEach(Tensor::close);
            lock.writeLock().unlock();
        }
    }

    private static void runAndRelease(Session.Runner r, List<Tensor> owned) {
        r.run().close();
        owned.forEach(Tensor::close);
        owned.clear();
    }

    static Output<?>[] outputs(List<? extends Operand<?>> ops) {
        Output<?>[] o = new Output<?>[ops.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = ops.get(i).asOutput();
        }
        return o;
    }

    @SuppressWarnings("unchecked")
    static Operand<TFloat32> f(Operand<?> o) {
        return (Operand<TFloat32>) o;
    }

    static Operand<TBool> b(Operand<? extends TType> o) {
        @SuppressWarnings("unchecked")
        Operand<TBool> r = (Operand<TBool>) o;
        return r;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                session.close();
                graph.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
