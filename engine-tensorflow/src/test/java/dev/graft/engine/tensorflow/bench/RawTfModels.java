package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The benchmark networks written directly against TensorFlow Java (Graph, Ops, addGradients,
 * resourceApplyAdam), as a user without Graft would: the baseline for Graft's overhead. Variables
 * start from the same values as the Graft model, so both compute the same losses.
 */
final class RawTfModels implements AutoCloseable {
    private static final float LR = 1e-3f;
    private final Graph graph = new Graph();
    private final Ops tf = Ops.create(graph);
    private final Network net;
    private final Map<String, VarHandleOp> vars = new LinkedHashMap<>();
    private final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
    private final List<Op> updates = new ArrayList<>();
    private final Placeholder<TFloat32> x;
    private final Placeholder<TInt32> y;
    private final Placeholder<TFloat32> beta1Power;
    private final Placeholder<TFloat32> beta2Power;
    private final Operand<TFloat32> loss;
    private final Op train;
    private final Session session;
    private final Tensor xFeed;
    private final Tensor yFeed;
    private long step;

    private RawTfModels(Network net, boolean resnet, Map<String, HostTensor> init, Map<String, HostTensor> batch) {
        this.net = net;
        long[] xs = net.input("x").shape().dims();
        x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(xs)));
        y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(net.input("y").shape().dims())));
        beta1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        beta2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Operand<TFloat32> logits = resnet ? resnet() : transformer();
        Operand<TFloat32> labels = tf.oneHot(y, tf.constant((int) net.output("logits").shape().dim(1)), tf.constant(1f), tf.constant(0f));
        loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));
        List<String> trainable = new ArrayList<>();
        List<Output<?>> wrt = new ArrayList<>();
        for (ParamSpec p : net.params().values()) {
            if (p.trainable()) {
                trainable.add(p.name());
                wrt.add(reads.get(p.name()).asOutput());
            }
        }
        Output<?>[] grads = graph.addGradients(loss.asOutput(), wrt.toArray(new Output<?>[0]));
        boolean gate = Boolean.getBoolean("bench.rawGate");
        org.tensorflow.Operand<org.tensorflow.types.TBool> finite = null;
        if (gate) {
            List<Operand<TFloat32>> sq = new ArrayList<>();
            for (Output<?> o : grads) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> go = (Operand<TFloat32>) o;
                sq.add(tf.nn.l2Loss(go));
            }
            finite = tf.math.logicalAnd(tf.math.isFinite(tf.math.sqrt(tf.math.addN(sq))), tf.math.isFinite(loss));
        }
        Map<String, HostTensor> all = new LinkedHashMap<>(init);
        for (int i = 0; i < grads.length; i++) {
            String name = trainable.get(i);
            ParamSpec p = net.param(name);
            VarHandleOp m = variable("m/" + name, p);
            VarHandleOp v = variable("v/" + name, p);
            all.put("m/" + name, HostTensor.zeros(p.dtype(), p.shape()));
            all.put("v/" + name, HostTensor.zeros(p.dtype(), p.shape()));
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) grads[i];
            if (gate) {
                g = tf.select(finite, g, tf.constant(0f));
            }
            updates.add(tf.train.resourceApplyAdam(vars.get(name), m, v, beta1Power, beta2Power, tf.constant(LR),
                    tf.constant(0.9f), tf.constant(0.999f), tf.constant(1e-7f), g));
        }
        train = tf.withControlDependencies(updates).noOp();
        Map<String, Placeholder<TFloat32>> feeds = new LinkedHashMap<>();
        Map<String, Op> assigns = new LinkedHashMap<>();
        vars.forEach((name, h) -> {
            Placeholder<TFloat32> f = tf.placeholder(TFloat32.class);
            feeds.put(name, f);
            assigns.put(name, tf.assignVariableOp(h, f));
        });
        session = new Session(graph);
        Session.Runner r = session.runner();
        List<Tensor> owned = new ArrayList<>();
        all.forEach((name, value) -> {
            if (feeds.containsKey(name)) {
                Tensor t = tensor(value);
                owned.add(t);
                r.feed(feeds.get(name), t).addTarget(assigns.get(name));
            }
        });
        r.run().close();
        owned.forEach(Tensor::close);
        xFeed = tensor(batch.get("x"));
        yFeed = tensor(batch.get("y"));
    }

    static RawTfModels resnet(Network net, Map<String, HostTensor> init, Map<String, HostTensor> batch) {
        return new RawTfModels(net, true, init, batch);
    }

    static RawTfModels transformer(Network net, Map<String, HostTensor> init, Map<String, HostTensor> batch) {
        return new RawTfModels(net, false, init, batch);
    }

    private static Tensor tensor(HostTensor h) {
        Class<? extends org.tensorflow.types.family.TType> type = h.dtype() == dev.graft.engine.spi.DType.INT32 ? TInt32.class : TFloat32.class;
        return Tensor.of(type, Shape.of(h.shape().dims()), DataBuffers.of(h.buffer()));
    }

    /** One Adam step on the fixed batch; returns the loss. */
    double step() {
        step++;
        try (TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(0.9, step));
                TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(0.999, step))) {
            try (Result res = session.runner().feed(x, xFeed).feed(y, yFeed).feed(beta1Power, b1).feed(beta2Power, b2)
                    .fetch(loss).addTarget(train).run()) {
                return ((TFloat32) res.get(0)).getFloat();
            }
        }
    }

    private VarHandleOp variable(String name, ParamSpec p) {
        VarHandleOp h = tf.varHandleOp(TFloat32.class, Shape.of(p.shape().dims()), VarHandleOp.sharedName("raw/" + name + "#" + System.identityHashCode(this)));
        vars.put(name, h);
        return h;
    }

    private Operand<TFloat32> read(String name) {
        return reads.computeIfAbsent(name, n -> tf.readVariableOp(variable(n, net.param(n)), TFloat32.class));
    }

    // ---- ResNet-style CNN ---------------------------------------------------------------------

    private Operand<TFloat32> resnet() {
        Operand<TFloat32> h = tf.nn.relu(bn("stem_bn", conv("stem", x)));
        for (int i = 0; i < BenchNetworks.RESNET_BLOCKS; i++) {
            String p = "block" + i;
            Operand<TFloat32> r = tf.nn.relu(bn(p + "_bn1", conv(p + "_conv1", h)));
            r = bn(p + "_bn2", conv(p + "_conv2", r));
            h = tf.nn.relu(tf.math.add(h, r));
        }
        Operand<TFloat32> pooled = tf.math.mean(h, tf.constant(new int[] {1, 2}));
        return tf.math.add(tf.linalg.matMul(pooled, read("fc.kernel")), read("fc.bias"));
    }

    private Operand<TFloat32> conv(String name, Operand<TFloat32> in) {
        return tf.nn.conv2d(in, read(name + ".kernel"), List.of(1L, 1L, 1L, 1L), "SAME");
    }

    private Operand<TFloat32> bn(String name, Operand<TFloat32> in) {
        Operand<TFloat32> mean = read(name + ".moving_mean");
        Operand<TFloat32> var = read(name + ".moving_variance");
        FusedBatchNorm<TFloat32, TFloat32> b = tf.nn.fusedBatchNorm(in, read(name + ".gamma"), read(name + ".beta"), mean, var,
                FusedBatchNorm.epsilon(1e-5f), FusedBatchNorm.isTraining(true), FusedBatchNorm.dataFormat("NHWC"));
        Operand<TFloat32> m = tf.constant(0.9f);
        Operand<TFloat32> m1 = tf.constant(0.1f);
        updates.add(tf.assignVariableOp(vars.get(name + ".moving_mean"), tf.math.add(tf.math.mul(mean, m), tf.math.mul(b.batchMean(), m1))));
        updates.add(tf.assignVariableOp(vars.get(name + ".moving_variance"), tf.math.add(tf.math.mul(var, m), tf.math.mul(b.batchVariance(), m1))));
        return b.y();
    }

    // ---- transformer encoder block -------------------------------------------------------------

    private Operand<TFloat32> transformer() {
        int bt = BenchNetworks.TRANSFORMER_BATCH;
        int t = BenchNetworks.SEQ;
        int d = BenchNetworks.HIDDEN;
        Operand<TFloat32> q = heads(dense("query", x, d, d));
        Operand<TFloat32> k = heads(dense("key", x, d, d));
        Operand<TFloat32> v = heads(dense("value", x, d, d));
        Operand<TFloat32> scores = tf.math.mul(tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true)),
                tf.constant((float) (1 / Math.sqrt(d / BenchNetworks.HEADS))));
        Operand<TFloat32> ctx = tf.train.batchMatMul(tf.nn.softmax(scores), v, TFloat32.class);
        ctx = tf.reshape(tf.linalg.transpose(ctx, tf.constant(new int[] {0, 2, 1, 3})), tf.constant(new long[] {bt, t, d}));
        Operand<TFloat32> h1 = layerNorm("ln1", tf.math.add(x, dense("attn_out", ctx, d, d)));
        Operand<TFloat32> inner = dense("ffn_in", h1, d, BenchNetworks.FFN);
        Operand<TFloat32> gelu = tf.math.mul(tf.math.mul(inner, tf.constant(0.5f)),
                tf.math.add(tf.math.erf(tf.math.mul(inner, tf.constant((float) (1 / Math.sqrt(2))))), tf.constant(1f)));
        Operand<TFloat32> h2 = layerNorm("ln2", tf.math.add(h1, dense("ffn_out", gelu, BenchNetworks.FFN, d)));
        Operand<TFloat32> pooled = tf.math.mean(h2, tf.constant(1));
        return tf.math.add(tf.linalg.matMul(pooled, read("cls.kernel")), read("cls.bias"));
    }

    private Operand<TFloat32> dense(String name, Operand<TFloat32> in, int units, int out) {
        Operand<TFloat32> flat = tf.reshape(in, tf.constant(new long[] {-1, units}));
        Operand<TFloat32> yv = tf.linalg.matMul(flat, read(name + ".kernel"), MatMul.transposeA(false));
        yv = tf.reshape(yv, tf.constant(new long[] {BenchNetworks.TRANSFORMER_BATCH, BenchNetworks.SEQ, out}));
        return tf.math.add(yv, read(name + ".bias"));
    }

    private Operand<TFloat32> heads(Operand<TFloat32> in) {
        Operand<TFloat32> r = tf.reshape(in, tf.constant(new long[] {BenchNetworks.TRANSFORMER_BATCH, BenchNetworks.SEQ,
                BenchNetworks.HEADS, BenchNetworks.HIDDEN / BenchNetworks.HEADS}));
        return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
    }

    private Operand<TFloat32> layerNorm(String name, Operand<TFloat32> in) {
        Operand<TInt32> last = tf.constant(new int[] {-1});
        Operand<TFloat32> mean = tf.math.mean(in, last, Mean.keepDims(true));
        Operand<TFloat32> var = tf.math.mean(tf.math.squaredDifference(in, mean), last, Mean.keepDims(true));
        Operand<TFloat32> norm = tf.math.mul(tf.math.sub(in, mean), tf.math.rsqrt(tf.math.add(var, tf.constant(1e-5f))));
        return tf.math.add(tf.math.mul(norm, read(name + ".gamma")), read(name + ".beta"));
    }

    @Override
    public void close() {
        xFeed.close();
        yFeed.close();
        session.close();
        graph.close();
    }
}
