package dev.graft.engine.tensorflow.internal;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * A GELU read by one matrix product ({@code gelu(a) w}, a transformer's feed-forward output layer) for training,
 * keeping only the pre-activation {@code a} for the backward pass, where the lean lowering keeps two tensors of its
 * size: the GELU's output (for {@code w}'s gradient) and its derivative (for {@code a}'s). Both are recomputed from
 * {@code a} in the backward pass, once the product's gradient has arrived, which costs a few element-wise passes over
 * {@code a} (BERT-Base: 12 tensors of [N*T, 3072] fewer at the step's peak, 151 MB at 16 x 64 tokens).
 *
 * <p>The forward pass computes the product from stopped inputs and passes it through an {@code IdentityN} op together
 * with {@code a} and {@code w}; TensorFlow has no C++ gradient for {@code IdentityN}, and this class registers one
 * (TensorFlow Java's custom gradients). For the marked ops it returns the product's gradients, {@code w} and
 * {@code a}'s, computed from the GELU recomputed after a control dependency on the incoming gradient: the same ops and
 * the same values as the lean lowering's, so the same gradients bit for bit. The ops {@link TfRecomputedInputs} marks get
 * its gradients; any other {@code IdentityN} gets the gradient of an identity (each output's gradient passed to its
 * input). Where registration is refused (another gradient already registered), or with
 * {@code -D}{@value #PROPERTY}{@code =false}, training keeps the lean lowering.
 */
final class TfRecomputedGelu {
    /** System property that turns the recomputation off ({@code false}). */
    static final String PROPERTY = "graft.tf.recomputeGelu";
    private static final String MARKER = "recomputed_gelu";
    private static final String TANH = MARKER + "_tanh";
    private static final String ERF = MARKER + "_erf";
    private static Boolean registered;

    private TfRecomputedGelu() {
    }

    /** Whether training graphs may use it: the gradient is registered and the property does not turn it off. */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY)) && registered();
    }

    /** Registers the {@code IdentityN} gradient (this class's and {@link TfRecomputedInputs}'s) once; whether it is. */
    static boolean registered() {
        synchronized (TfRecomputedGelu.class) {
            if (registered == null) {
                registered = TensorFlow.registerCustomGradient("IdentityN", TfRecomputedGelu::gradient);
            }
            return registered;
        }
    }

    /**
     * {@code gelu(a) w}, with {@code h} the GELU of a stopped {@code a} (its value: no gradient flows through it).
     */
    @SuppressWarnings("unchecked")
    static Operand<TFloat32> product(Ops tf, Operand<TFloat32> h, Operand<TFloat32> a, Operand<TFloat32> w, boolean tanh) {
        Operand<TFloat32> y = tf.linalg.matMul(h, tf.stopGradient(w));
        List<Operand<?>> carried = List.of(y, a, w);
        return (Operand<TFloat32>) tf.withSubScope(tanh ? TANH : ERF).identityN(carried).output().get(0);
    }

    /**
     * {@code x} as an op that runs only once {@code dy}, the incoming gradient, exists: what a backward pass recomputes
     * from it waits for the backward pass. Without the dependency TensorFlow would run the recomputation in the
     * forward pass and hold its results until the backward pass, as a lowering that keeps them does. (Added to the op
     * itself: a gradient function's scope does not apply the scope's control dependencies.)
     */
    @SuppressWarnings("unchecked")
    static <T extends org.tensorflow.types.family.TType> Operand<T> afterGradient(Ops tf, Operand<T> x, Operand<?> dy) {
        return (Operand<T>) (Operand<?>) tf.scope().opBuilder("Identity", "Identity")
                .addInput(x.asOutput()).addControlInput(dy.op()).build().output(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
        String name = op.name();
        boolean tanh = name.contains(TANH);
        if (!tanh && !name.contains(ERF)) {
            List<Operand<?>> inputs = TfRecomputedInputs.gradient(tf, op, grads);
            return inputs != null ? inputs : new ArrayList<>(grads);
        }
        Operand<TFloat32> dy = (Operand<TFloat32>) grads.get(0);
        Operand<TFloat32> a = (Operand<TFloat32>) op.input(1);
        Operand<TFloat32> w = (Operand<TFloat32>) op.input(2);
        TfGelu gelu = TfGelu.of(tf, afterGradient(tf, a, dy), tanh);
        // as TensorFlow's MatMul gradient computes them (product x w, no transposes), and the lean lowering's Mul gradient
        Operand<TFloat32> dw = tf.linalg.matMul(gelu.value(), dy, MatMul.transposeA(true));
        Operand<TFloat32> dh = tf.linalg.matMul(dy, w, MatMul.transposeB(true));
        Operand<TFloat32> da = tf.math.mul(dh, gelu.slope());
        // the product's own input is stopped: its gradient goes nowhere (the ops it would feed are pruned at run time)
        return List.of(dy, da, dw);
    }
}
