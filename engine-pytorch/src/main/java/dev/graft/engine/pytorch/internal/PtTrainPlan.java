package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.NonFiniteLossException;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * One training configuration of a compiled model: which parameters train (trainable, not frozen,
 * reached by the loss), and the step itself. A step runs the forward pass under a
 * GradientCollector, takes the gradients, their global norm and finiteness in one transfer, and
 * only if everything is finite applies clipping, the optimizer (the update rules of TensorFlow's
 * ResourceApplyAdam / ResourceApplyMomentum / ResourceApplyGradientDescent, as OptimizerSpec
 * documents) and the BatchNorm moving-statistics updates, all in place with autograd off.
 */
final class PtTrainPlan implements AutoCloseable {
    /** No axes: a norm over every element. */
    private static final int[] ALL_AXES = new int[0];

    private final PtCompiledModel model;
    private final TrainingConfig cfg;
    private final BitSet needed;
    private final List<String> inputNames;
    private final int lossId;
    private final List<String> trained = new ArrayList<>();
    private final PtTrainFeed inputs;
    private NDArray one;

    PtTrainPlan(PtCompiledModel model, TrainingConfig cfg) {
        this.model = model;
        this.cfg = cfg;
        Network net = model.network();
        String loss = net.lossOutput().orElseThrow(
                () -> new IllegalStateException("network has no loss output; declare one with NetworkBuilder.loss()"));
        this.lossId = net.output(loss).id();
        this.needed = net.ancestors(lossId);
        this.inputNames = net.inputsFor(List.of(loss));
        this.inputs = new PtTrainFeed(model);
        for (ParamSpec p : net.params().values()) {
            if (p.trainable() && !cfg.groupOf(p.name()).frozen() && needed.get(net.paramNode(p.name()).id())) {
                trained.add(p.name());
            }
        }
    }

    List<String> trained() {
        return trained;
    }

    TrainingConfig config() {
        return cfg;
    }

    StepResult step(Map<String, HostTensor> batch, long step) {
        double lr = cfg.schedule().at(step);
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalStateException("learning-rate schedule gave " + lr + " at step " + step);
        }
        Map<String, NDArray> params = model.params();
        try (PtScope s = model.scope()) {
            Map<String, NDArray> feeds = inputs.feed(s, batch, inputNames);
            for (String p : trained) {
                JniUtils.zeroGrad((PtNDArray) params.get(p));
            }
            PtForward.Result fw;
            NDArray loss;
            try (GradientCollector gc = model.engine().djl().newGradientCollector()) {
                fw = model.forward().run(s, needed, feeds, params,
                        new PtForward.Mode(true, name -> cfg.groupOf(name).batchStatistics(), cfg.seed(), step));
                loss = fw.values[lossId];
                if (!trained.isEmpty()) {
                    // the collector's own backward makes a tensor of ones and asks for the loss's device every step
                    JniUtils.backward((PtNDArray) loss, (PtNDArray) seed(s, loss), false, false);
                }
            }
            JniUtils.setGradMode(false);
            NDArray[] grads = new NDArray[trained.size()];
            // the loss and each gradient's L2 norm as scalars, stacked: one transfer for all
            NDList stats = new NDList(trained.size() + 1);
            stats.add(loss.getShape().dimension() == 0 ? loss : s.own(loss.reshape(new Shape())));
            for (int i = 0; i < grads.length; i++) {
                grads[i] = gradient(s, params.get(trained.get(i)));
                stats.add(s.own(JniUtils.norm((PtNDArray) grads[i], 2, ALL_AXES, false)));
            }
            float[] host = s.own(NDArrays.stack(stats)).toFloatArray();
            float lossValue = host[0];
            double total = 0;
            for (int i = 1; i < host.length; i++) {
                total += (double) host[i] * host[i];
            }
            float norm = (float) Math.sqrt(total);
            if (!Float.isFinite(lossValue) || !Float.isFinite(norm)) {
                String param = null;
                for (int i = 1; i < host.length; i++) {
                    if (!Float.isFinite(host[i])) {
                        param = trained.get(i - 1);
                        break;
                    }
                }
                throw new NonFiniteLossException(step, lossValue, param == null ? null : cfg.groupOf(param).name(), param);
            }
            float scale = cfg.clipGlobalNorm() > 0 ? (float) cfg.clipGlobalNorm() / Math.max(norm, (float) cfg.clipGlobalNorm()) : 1f;
            for (int i = 0; i < grads.length; i++) {
                String name = trained.get(i);
                apply(s, name, params.get(name), grads[i], scale, lr, step);
            }
            for (PtForward.BnUpdate u : fw.bnUpdates) {
                model.replace(u.meanParam(), u.mean());
                model.replace(u.varParam(), u.variance());
            }
            return new StepResult(step, lossValue, norm, lr);
        }
    }

    /** The backward pass's starting gradient: a kept scalar 1 for a scalar loss, else ones of the loss's shape. */
    private NDArray seed(PtScope s, NDArray loss) {
        if (loss.getShape().dimension() != 0) {
            return s.own(loss.onesLike());
        }
        if (one == null) {
            one = model.persistentScalar(1f);
        }
        return one;
    }

    /** Frees what the plan keeps between steps (its input tensors, the backward pass's seed). */
    @Override
    public void close() {
        inputs.close();
        if (one != null) {
            model.dropPersistent(one);
            one = null;
        }
    }

    private static NDArray gradient(PtScope s, NDArray param) {
        try {
            return s.own(param.getGradient());
        } catch (IllegalStateException e) {
            // the loss does not depend on this parameter through a differentiable path
            return s.own(param.zerosLike());
        }
    }

    /** Applies one parameter's update in place (autograd is off); {@code scale} is the clipping factor for g. */
    private void apply(PtScope s, String name, NDArray p, NDArray g, float scale, double baseLr, long step) {
        ParamGroup group = cfg.groupOf(name);
        float lr = (float) baseLr * (float) group.lrMultiplier();
        OptimizerSpec opt = cfg.optimizer();
        if (opt instanceof OptimizerSpec.Adam a) {
            double wd = Double.isNaN(group.weightDecay()) ? a.decoupledWeightDecay() : group.weightDecay();
            NDArray m = model.slot("m", name);
            NDArray v = model.slot("v", name);
            float b1p = (float) Math.pow(a.beta1(), step + 1);
            float b2p = (float) Math.pow(a.beta2(), step + 1);
            float lrT = lr * (float) Math.sqrt(1 - b2p) / (1 - b1p);
            // One native call instead of a dozen from Java (each a JNI crossing and a temporary):
            // p -= p * lr * wd (decoupled, "adamw"); m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
            // p -= lr_t * m / (sqrt(v) + eps). The clipping scale multiplies (a copy of) g first, as g.mul(scale)
            // would, without a call and a tensor of its own; no element-wise clamp (-1); without weight decay the
            // non-"adamw" form adds 0 * p to g instead of subtracting 0 from p.
            JniUtils.adamUpdate((PtNDArray) p, (PtNDArray) g, (PtNDArray) m, (PtNDArray) v, lr, lrT, wd > 0 ? (float) wd : 0f,
                    scale, -1f, (float) a.beta1(), (float) a.beta2(), (float) a.epsilon(), wd > 0);
            return;
        }
        if (scale != 1f) {
            g = s.own(g.mul(scale));
        }
        OptimizerSpec.Sgd sgd = (OptimizerSpec.Sgd) opt;
        double wd = Double.isNaN(group.weightDecay()) ? sgd.weightDecay() : group.weightDecay();
        if (wd > 0) {
            g = s.own(g.add(s.own(p.mul((float) wd))));
        }
        if (sgd.momentum() == 0) {
            p.subi(s.own(g.mul(lr)));
            return;
        }
        float mom = (float) sgd.momentum();
        NDArray acc = model.slot("momentum", name);
        acc.muli(mom).addi(g);
        if (sgd.nesterov()) {
            p.subi(s.own(s.own(g.mul(lr)).addi(s.own(acc.mul(mom * lr)))));
        } else {
            p.subi(s.own(acc.mul(lr)));
        }
    }
}
