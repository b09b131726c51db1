package dev.graft.engine.pytorch.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A network compiled for PyTorch: its parameters and optimizer slots live as tensors in one
 * NDManager owned by this model; every prediction and training step runs in its own sub-manager
 * (a {@link PtScope}) that is closed when the call returns, so memory does not grow with the
 * number of calls. Predictions share a read lock and may run concurrently; training steps,
 * parameter writes and configuration take the write lock.
 */
final class PtCompiledModel implements CompiledModel {
    private final PtEngine engine;
    private final Network net;
    private final NDManager manager;
    private final PtForward forward;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> slots = new LinkedHashMap<>();
    private final Set<NDArray> persistent = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private PtTrainPlan plan;
    private long step;
    private volatile boolean closed;

    PtCompiledModel(PtEngine engine, Network net, long seed) {
        this(engine, net, seed, Map.of());
    }

    /** Parameters start from {@code values} where given, from their seeded initial values elsewhere. */
    PtCompiledModel(PtEngine engine, Network net, long seed, Map<String, HostTensor> values) {
        this.engine = engine;
        this.net = net;
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.forward = new PtForward(net);
        boolean ok = false;
        try {
            values.forEach(net::checkParameterValue);
            Map<String, HostTensor> initial = net.initialValues(seed, values.keySet());
            for (String name : net.params().keySet()) {
                HostTensor v = values.containsKey(name) ? values.get(name) : initial.get(name);
                NDArray a = PtTensors.toNd(manager, v);
                params.put(name, a);
                persistent.add(a);
            }
            ok = true;
        } finally {
            if (!ok) {
                manager.close();
            }
        }
    }

    // ---- package-private accessors for the training plan ---------------------------------

    PtEngine engine() {
        return engine;
    }

    PtForward forward() {
        return forward;
    }

    Map<String, NDArray> params() {
        return params;
    }

    PtScope scope() {
        return new PtScope(manager, persistent);
    }

    /** The optimizer slot {@code slot/param}, created zero-filled on first use. */
    NDArray slot(String slot, String param) {
        String key = slot + "/" + param;
        NDArray a = slots.get(key);
        if (a == null) {
            ParamSpec p = net.param(param);
            a = manager.zeros(new Shape(p.shape().dims()), PtTensors.dataType(p.dtype()));
            slots.put(key, a);
            persistent.add(a);
        }
        return a;
    }

    /** Replaces a parameter's value by {@code value} (which is consumed), keeping its identity. */
    void replace(String name, NDArray value) {
        params.get(name).intern(value);
    }

    /** Turns host tensors of a batch into tensors of the scope, checking names, types and shapes. */
    Map<String, NDArray> feed(PtScope s, Map<String, HostTensor> batch, List<String> needed, String what) {
        Map<String, NDArray> out = new HashMap<>();
        for (String in : needed) {
            out.put(in, PtTensors.toNd(s.manager(), checkedInput(batch, in, what)));
        }
        return out;
    }

    /** Input {@code in} of {@code batch}, which must be there with the type and a shape the network accepts. */
    HostTensor checkedInput(Map<String, HostTensor> batch, String in, String what) {
        HostTensor h = batch.get(in);
        if (h == null) {
            throw new IllegalArgumentException(what + " lacks input '" + in + "'; given " + batch.keySet());
        }
        Node n = net.input(in);
        if (h.dtype() != n.dtype() || !n.shape().accepts(h.shape())) {
            throw new IllegalArgumentException("input '" + in + "' expects " + n.dtype() + n.shape() + ", got "
                    + h.dtype() + h.shape());
        }
        return h;
    }

    /**
     * A tensor of the model's own that outlives calls (no scope moves or frees it), viewing {@code buffer}'s memory,
     * which the caller keeps reachable until it hands the tensor to {@link #dropPersistent}.
     */
    NDArray persistent(ByteBuffer buffer, Shape shape, DataType type) {
        NDArray a = manager.create(buffer, shape, type);
        persistent.add(a);
        return a;
    }

    /** A scalar of the model's own that outlives calls. */
    NDArray persistentScalar(float value) {
        NDArray a = manager.create(value);
        persistent.add(a);
        return a;
    }

    /** Frees a tensor made by {@link #persistent} or {@link #persistentScalar}. */
    void dropPersistent(NDArray a) {
        persistent.remove(a);
        a.close();
    }

    @Override
    public Network network() {
        return net;
    }

    /** What a list of outputs needs: their node ids, the nodes they depend on (read only) and the inputs they read. */
    private record Wanted(int[] ids, BitSet needed, List<String> inputs) {
    }

    /**
     * {@link Wanted} per list of outputs, worked out once: two walks over the whole graph on every {@link #predict}
     * cost a fixed amount per call, which a served batch of a few texts pays in full.
     */
    private final Map<List<String>, Wanted> wanted = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Map<String, HostTensor> predict(Map<String, HostTensor> inputs, List<String> outputs) {
        ensureOpen();
        Wanted w = wanted.computeIfAbsent(List.copyOf(outputs), o -> {
            int[] at = o.stream().mapToInt(n -> net.output(n).id()).toArray();
            return new Wanted(at, net.ancestors(at), net.inputsFor(o));
        });
        int[] ids = w.ids();
        BitSet needed = w.needed();
        List<String> inputNames = w.inputs();
        lock.readLock().lock();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (PtScope s = scope()) {
            ensureOpen();
            Map<String, NDArray> feeds = feed(s, inputs, inputNames, "prediction for outputs " + outputs);
            PtForward.Result r = forward.run(s, needed, ids, feeds, params, PtForward.Mode.INFERENCE);
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (int i = 0; i < ids.length; i++) {
                out.put(outputs.get(i), PtTensors.toHost(r.values[ids[i]]));
            }
            return out;
        } finally {
            JniUtils.setGradMode(gradMode);
            lock.readLock().unlock();
        }
    }

    @Override
    public void configureTraining(TrainingConfig cfg) {
        ensureOpen();
        if (net.lossOutput().isEmpty()) {
            throw new IllegalStateException("network has no loss output; declare one with NetworkBuilder.loss()");
        }
        lock.writeLock().lock();
        try {
            PtTrainPlan p = new PtTrainPlan(this, cfg);
            for (String name : p.trained()) {
                for (String slot : cfg.optimizer().slots()) {
                    slot(slot, name);
                }
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                e.getValue().setRequiresGradient(p.trained().contains(e.getKey()));
            }
            if (plan != null) {
                plan.close();
            }
            this.plan = p;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public StepResult trainStep(Map<String, HostTensor> batch) {
        ensureOpen();
        lock.writeLock().lock();
        PtEngine.AUTOGRAD.lock();
        boolean gradMode = JniUtils.isGradMode();
        try {
            if (plan == null) {
                throw new IllegalStateException("call configureTraining() before trainStep()");
            }
            JniUtils.setGradMode(false);
            StepResult r = plan.step(batch, step);
            step++;
            return r;
        } finally {
            JniUtils.setGradMode(gradMode);
            PtEngine.AUTOGRAD.unlock();
            lock.writeLock().unlock();
        }
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public Map<String, HostTensor> parameters() {
        return read(params);
    }

    @Override
    public Map<String, HostTensor> optimizerState() {
        return read(slots);
    }

    private Map<String, HostTensor> read(Map<String, NDArray> arrays) {
        ensureOpen();
        lock.readLock().lock();
        try {
            ensureOpen();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            arrays.forEach((k, v) -> out.put(k, PtTensors.toHost(v)));
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void setParameters(Map<String, HostTensor> values) {
        ensureOpen();
        values.forEach(net::checkParameterValue);
        lock.writeLock().lock();
        boolean gradMode = JniUtils.isGradMode();
        try {
            ensureOpen();
            JniUtils.setGradMode(false);
            values.forEach((name, v) -> PtTensors.copyInto(params.get(name), v));
        } finally {
            JniUtils.setGradMode(gradMode);
            lock.writeLock().unlock();
        }
    }

    @Override
    public void setOptimizerState(Map<String, HostTensor> values, long newStep) {
        ensureOpen();
        if (newStep < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + newStep);
        }
        values.forEach((key, v) -> {
            int slash = key.indexOf('/');
            if (slash <= 0) {
                throw new IllegalArgumentException("optimizer slot name '" + key + "' is not slot/parameter");
            }
            ParamSpec p = net.params().get(key.substring(slash + 1));
            if (p == null || !p.shape().equals(v.shape()) || p.dtype() != v.dtype()) {
                throw new IllegalArgumentException("optimizer slot '" + key + "' does not match a parameter of this network");
            }
        });
        lock.writeLock().lock();
        try {
            ensureOpen();
            values.forEach((key, v) -> {
                int slash = key.indexOf('/');
                PtTensors.copyInto(slot(key.substring(0, slash), key.substring(slash + 1)), v);
            });
            this.step = newStep;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Tensors the model holds right now (parameters, slots, and any call still running). */
    int liveTensorCount() {
        return manager.getManagedArrays().size();
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
                manager.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
