package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.train.ResourceApplyAdam;
import org.tensorflow.op.train.ResourceApplyMomentum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The training part of a compiled graph for one plan (optimizer, groups, clipping). */
final class TfTrainGraph {
    /** One step's outcome. */
    record Outcome(double loss, double gradNorm, boolean finite) {
    }

    private final TfCompiledModel model;
    private final List<String> inputNames;
    private final List<String> trainedParams = new ArrayList<>();
    private final List<Operand<TFloat32>> perParamSq = new ArrayList<>();
    private final Operand<TFloat32> loss;
    private final Operand<TFloat32> norm;
    private final Operand<TBool> finite;
    private final Op trainOp;
    private final boolean adam;
    private final double beta1;
    private final double beta2;
    /** Scalars shared by every parameter's update (one op each, not one per parameter). */
    private final Map<Float, Operand<TFloat32>> gatedScalars = new HashMap<>();
    private final Map<Double, Operand<TFloat32>> lrByMultiplier = new HashMap<>();
    private Operand<TFloat32> zero;

    /**
     * A file to write one training step's per-op memory trace to (step {@value #TRACED_STEP}, the first
     * with the optimizer slots and the allocator's pool warm), for diagnosing where a step's memory goes.
     */
    static final String TRACE_PROPERTY = "graft.tf.stepTrace";
    static final long TRACED_STEP = 2;

    TfTrainGraph(TfCompiledModel model, Ops tf, TrainingConfig cfg) {
        this.model = model;
        Network net = model.network();
        int lossId = net.output(net.lossOutput().orElseThrow()).id();
        BitSet needed = net.ancestors(lossId);
        this.inputNames = net.inputsFor(List.of(net.lossOutput().get()));
        TfNetworkCompiler.Forward fw = model.compiler().translate(tf, needed, true,
                meanParam -> cfg.groupOf(meanParam).batchStatistics(), model.seedFeed());
        this.loss = fw.f(lossId);

        List<Operand<TFloat32>> reads = new ArrayList<>();
        for (ParamSpec p : net.params().values()) {
            if (p.trainable() && !cfg.groupOf(p.name()).frozen() && fw.reads.containsKey(p.name())) {
                trainedParams.add(p.name());
                reads.add(fw.reads.get(p.name()));
            }
        }
        List<Op> updates = new ArrayList<>();
        this.zero = tf.constant(0f);
        if (trainedParams.isEmpty()) {
            this.norm = zero;
            this.finite = tf.math.isFinite(loss);
        } else {
            Output<?>[] grads = model.graph().addGradients(loss.asOutput(), TfCompiledModel.outputs(reads));
            List<Operand<TFloat32>> g2 = new ArrayList<>();
            for (int i = 0; i < grads.length; i++) {
                Operand<TFloat32> gi = TfCompiledModel.f(grads[i]);
                // L2Loss = sum(g^2) / 2 in one fused pass
                Operand<TFloat32> sq = tf.nn.l2Loss(gi);
                perParamSq.add(sq);
                g2.add(sq);
            }
            Operand<TFloat32> total = tf.math.mul(tf.constant(2f), g2.size() == 1 ? g2.get(0) : tf.math.addN(g2));
            this.norm = tf.math.sqrt(total);
            this.finite = tf.math.logicalAnd(tf.math.isFinite(norm), tf.math.isFinite(loss));
            Operand<TFloat32> scale = cfg.clipGlobalNorm() > 0
                    ? tf.math.div(tf.constant((float) cfg.clipGlobalNorm()),
                            tf.math.maximum(norm, tf.constant((float) cfg.clipGlobalNorm())))
                    : tf.constant(1f);
            Operand<TFloat32> gate = tf.dtypes.cast(finite, TFloat32.class);
            Operand<TFloat32> lrGated = tf.math.mul(model.lrFeed(), gate);
            for (int i = 0; i < trainedParams.size(); i++) {
                String name = trainedParams.get(i);
                ParamGroup group = cfg.groupOf(name);
                Operand<TFloat32> gi = TfCompiledModel.f(grads[i]);
                Operand<TFloat32> g = cfg.clipGlobalNorm() > 0 ? tf.math.mul(gi, scale) : gi;
                Operand<TFloat32> lr = lrByMultiplier.computeIfAbsent(group.lrMultiplier(),
                        m -> m == 1.0 ? lrGated : tf.math.mul(lrGated, tf.constant((float) (double) m)));
                updates.add(apply(tf, cfg.optimizer(), group, name, model.handles().get(name), reads.get(i), g, lr));
            }
        }
        for (TfNetworkCompiler.BnUpdate u : fw.bnUpdates) {
            updates.add(movingUpdate(tf, u.meanParam(), fw.reads.get(u.meanParam()), u.batchMean(), u.momentum()));
            updates.add(movingUpdate(tf, u.varParam(), fw.reads.get(u.varParam()), u.batchVar(), u.momentum()));
        }
        this.trainOp = tf.withControlDependencies(updates).noOp();
        this.adam = cfg.optimizer() instanceof OptimizerSpec.Adam;
        this.beta1 = adam ? ((OptimizerSpec.Adam) cfg.optimizer()).beta1() : 0;
        this.beta2 = adam ? ((OptimizerSpec.Adam) cfg.optimizer()).beta2() : 0;
    }

    private Op movingUpdate(Ops tf, String param, Operand<TFloat32> current, Operand<TFloat32> batch, double momentum) {
        Operand<TFloat32> next = tf.math.add(tf.math.mul(current, tf.constant((float) momentum)),
                tf.math.mul(batch, tf.constant((float) (1 - momentum))));
        return tf.assignVariableOp(model.handles().get(param), tf.select(finite, next, current));
    }

    private Op apply(Ops tf, OptimizerSpec opt, ParamGroup group, String name, VarHandleOp var, Operand<TFloat32> value,
            Operand<TFloat32> g, Operand<TFloat32> lr) {
        if (opt instanceof OptimizerSpec.Adam a) {
            double wd = Double.isNaN(group.weightDecay()) ? a.decoupledWeightDecay() : group.weightDecay();
            VarHandleOp m = model.slot("m", name);
            VarHandleOp v = model.slot("v", name);
            g = tf.select(finite, g, zero);
            // a rejected step keeps the moment estimates: beta = 1 and a zero gradient leave m and v as they are
            Operand<TFloat32> b1 = gated(tf, (float) a.beta1());
            Operand<TFloat32> b2 = gated(tf, (float) a.beta2());
            Ops t = tf;
            if (wd > 0) {
                Op decay = tf.assignSubVariableOp(var, tf.math.mul(tf.math.mul(lr, tf.constant((float) wd)), value));
                t = tf.withControlDependencies(List.of(decay));
            }
            return t.train.resourceApplyAdam(var, m, v, model.beta1PowerFeed(), model.beta2PowerFeed(), lr,
                    b1, b2, tf.constant((float) a.epsilon()), g,
                    ResourceApplyAdam.useLocking(false));
        }
        OptimizerSpec.Sgd s = (OptimizerSpec.Sgd) opt;
        double wd = Double.isNaN(group.weightDecay()) ? s.weightDecay() : group.weightDecay();
        if (wd > 0) {
            g = tf.math.add(g, tf.math.mul(tf.constant((float) wd), value));
        }
        g = tf.select(finite, g, zero);
        if (s.momentum() == 0) {
            return tf.train.resourceApplyGradientDescent(var, lr, g);
        }
        VarHandleOp acc = model.slot("momentum", name);
        // a rejected step keeps the accumulator: momentum 1 and a zero gradient leave it as it is
        Operand<TFloat32> momentum = gated(tf, (float) s.momentum());
        return tf.train.resourceApplyMomentum(var, acc, lr, g, momentum,
                ResourceApplyMomentum.useNesterov(s.nesterov()));
    }

    /** {@code value} when the step is finite, else 1 (shared per value). */
    private Operand<TFloat32> gated(Ops tf, float value) {
        return gatedScalars.computeIfAbsent(value, v -> tf.select(finite, tf.constant(v), tf.constant(1f)));
    }

    Outcome run(java.util.Map<String, HostTensor> batch, long step, double lr, TrainingConfig cfg) {
        Session.Runner r = model.session().runner();
        List<Tensor> owned = model.feedInputs(r, batch, inputNames);
        try {
            feedScalars(r, owned, step, lr, cfg);
            r.fetch(loss).fetch(norm).fetch(finite).addTarget(trainOp);
            String trace = System.getProperty(TRACE_PROPERTY);
            boolean traced = trace != null && step == TRACED_STEP;
            if (traced) {
                r.setOptions(org.tensorflow.proto.RunOptions.newBuilder()
                        .setTraceLevel(org.tensorflow.proto.RunOptions.TraceLevel.FULL_TRACE)
                        .setOutputPartitionGraphs(true).build());
            }
            try (Result res = traced ? r.runAndFetchMetadata() : r.run()) {
                double l = ((TFloat32) res.get(0)).getFloat();
                double n = ((TFloat32) res.get(1)).getFloat();
                boolean ok = ((TBool) res.get(2)).getBoolean();
                if (traced && res.getMetadata().isPresent()) {
                    TfStepTrace.write(java.nio.file.Path.of(trace), res.getMetadata().get());
                }
                return new Outcome(l, n, ok);
            }
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    /** Group and parameter of the first parameter (definition order) with non-finite gradients. */
    String[] firstNonFinite(java.util.Map<String, HostTensor> batch, long step, TrainingConfig cfg) {
        if (perParamSq.isEmpty()) {
            return null;
        }
        Session.Runner r = model.session().runner();
        List<Tensor> owned = model.feedInputs(r, batch, inputNames);
        try {
            feedScalars(r, owned, step, cfg.schedule().at(step), cfg);
            perParamSq.forEach(r::fetch);
            try (Result res = r.run()) {
                for (int i = 0; i < perParamSq.size(); i++) {
                    float v = ((TFloat32) res.get(i)).getFloat();
                    if (!Float.isFinite(v)) {
                        String p = trainedParams.get(i);
                        return new String[] {cfg.groupOf(p).name(), p};
                    }
                }
            }
            return null;
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private void feedScalars(Session.Runner r, List<Tensor> owned, long step, double lr, TrainingConfig cfg) {
        TFloat32 lrT = TFloat32.scalarOf((float) lr);
        owned.add(lrT);
        r.feed(model.lrFeed(), lrT);
        if (adam) {
            TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(beta1, step + 1));
            TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(beta2, step + 1));
            owned.add(b1);
            owned.add(b2);
            r.feed(model.beta1PowerFeed(), b1);
            r.feed(model.beta2PowerFeed(), b2);
        }
        TInt64 seed = TInt64.vectorOf(cfg.seed(), step);
        owned.add(seed);
        r.feed(model.seedFeed(), seed);
    }
}
