package dev.graft.engine.tensorflow.internal;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.BroadcastGradientArgs;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Products whose left operand is recomputed in the backward pass from tensors the backward pass keeps anyway, so the
 * operand itself is not kept for it (training only):
 * <ul>
 *   <li>a layer norm's output {@code n gamma + beta} read by a matrix product ({@code x W}, a transformer's query, key
 *   and value or intermediate product): the product's gradient for {@code W} needs the output, the norm's own gradient
 *   keeps {@code n}, the normalised input (BERT-Base: 23 tensors of [N*T, 768] fewer at the step's peak, 72 MB at
 *   16 x 64 tokens);</li>
 *   <li>an attention's dropped-out probabilities {@code select(keep, p / (1 - rate), 0)} read by the product by the
 *   values: the product's gradient for the values needs them, the softmax's gradient keeps {@code p} and the
 *   dropout's keeps the mask (BERT-Base: 12 tensors of [12, N, T, T], 38 MB).</li>
 * </ul>
 * The mechanism is {@link TfRecomputedGelu}'s: the forward pass takes the product of stopped inputs and passes it through
 * an {@code IdentityN} with the operand as it trains, the right operand and what the operand is recomputed from; that
 * {@code IdentityN}'s registered gradient recomputes the operand with the forward pass's ops, after a control dependency
 * on the incoming gradient, and returns the product's two gradients as TensorFlow's {@code MatMul} and
 * {@code BatchMatMulV3} gradients compute them: the same values bit for bit. One difference in rounding remains: where
 * a norm's output is read by a product by a concatenated kernel (taken by parts), its gradient is the sum of three or
 * more terms in one {@code AddN}, which TensorFlow adds in another order than when the parts were {@code MatMul}s (the
 * last bits of the norm's and earlier gradients). Turned off (the operands kept, as before) with
 * {@code -D}{@value #PROPERTY}{@code =false}, or where the gradient could not be registered.
 */
final class TfRecomputedInputs {
    /** System property that turns the recomputation off ({@code false}). */
    static final String PROPERTY = "graft.tf.recomputeInputs";
    static final String NORM = "recomputed_norm_product";
    static final String PROBS = "recomputed_probs_product";

    private TfRecomputedInputs() {
    }

    /** Whether training graphs may use it: the gradient is registered and the property does not turn it off. */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY)) && TfRecomputedGelu.registered();
    }

    /**
     * {@code x w} for {@code x} a layer norm's training output whose value is {@code n gamma + beta}: {@code value} is
     * that value stopped (no gradient flows through it), {@code x} the output gradients flow to.
     */
    @SuppressWarnings("unchecked")
    static Operand<TFloat32> normProduct(Ops tf, Operand<TFloat32> value, Operand<TFloat32> x, Operand<TFloat32> w,
            Operand<TFloat32> n, Operand<TFloat32> gamma, Operand<TFloat32> beta) {
        Operand<TFloat32> y = tf.linalg.matMul(value, tf.stopGradient(w));
        List<Operand<?>> carried = List.of(y, x, w, tf.stopGradient(n), tf.stopGradient(gamma), tf.stopGradient(beta));
        return (Operand<TFloat32>) tf.withSubScope(NORM).identityN(carried).output().get(0);
    }

    /**
     * {@code p v} (batched) for {@code p} a dropout's training output {@code select(keep, s * scale, 0)}: {@code value}
     * is its value stopped, {@code p} the output gradients flow to, {@code s} the dropout's input (a softmax's output).
     */
    @SuppressWarnings("unchecked")
    static Operand<TFloat32> probsProduct(Ops tf, Operand<TFloat32> value, Operand<TFloat32> p, Operand<TFloat32> v,
            Operand<TFloat32> s, Operand<TBool> keep, Operand<TFloat32> scale) {
        Operand<TFloat32> y = tf.train.batchMatMul(value, tf.stopGradient(v), TFloat32.class);
        List<Operand<?>> carried = List.of(y, p, v, tf.stopGradient(s), tf.stopGradient(keep), tf.stopGradient(scale));
        return (Operand<TFloat32>) tf.withSubScope(PROBS).identityN(carried).output().get(0);
    }

    /** The gradients of a marked {@code IdentityN}'s inputs, or null if {@code op} is not one of these. */
    @SuppressWarnings("unchecked")
    static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
        String name = op.name();
        boolean norm = name.contains(NORM);
        if (!norm && !name.contains(PROBS)) {
            return null;
        }
        Operand<TFloat32> dy = (Operand<TFloat32>) grads.get(0);
        Operand<TFloat32> w = (Operand<TFloat32>) op.input(2);
        // the recomputation waits for the product's gradient
        Operand<TFloat32> late = TfRecomputedGelu.afterGradient(tf, (Operand<TFloat32>) op.input(3), dy);
        // the stopped inputs' "gradients" are themselves: they flow into StopGradient ops and go nowhere
        Operand<?> a = op.input(3);
        Operand<?> b = op.input(4);
        Operand<?> c = op.input(5);
        if (norm) {
            Operand<TFloat32> x = tf.math.add(tf.math.mul(late, (Operand<TFloat32>) b), (Operand<TFloat32>) c);
            // as TensorFlow's MatMul gradient computes them (no transposes in the product)
            Operand<TFloat32> dw = tf.linalg.matMul(x, dy, MatMul.transposeA(true));
            Operand<TFloat32> dx = tf.linalg.matMul(dy, w, MatMul.transposeB(true));
            return List.of(dy, dx, dw, a, b, c);
        }
        Operand<TFloat32> p = tf.select((Operand<TBool>) b, tf.math.mul(late, (Operand<TFloat32>) c), tf.constant(0f));
        // as TensorFlow's BatchMatMulV3 gradient computes them (no adjoints), with its reduction of broadcast batch axes
        Operand<TFloat32> dp = tf.train.batchMatMul(dy, w, TFloat32.class, BatchMatMul.adjY(true));
        Operand<TFloat32> dv = tf.train.batchMatMul(p, dy, TFloat32.class, BatchMatMul.adjX(true));
        Operand<TInt32> sp = tf.shape(op.input(1));
        Operand<TInt32> sv = tf.shape(w);
        BroadcastGradientArgs<TInt32> reduce = tf.broadcastGradientArgs(batchShape(tf, sp), batchShape(tf, sv));
        Operand<TFloat32> dpSum = tf.reshape(tf.sum(dp, reduce.r0()), sp);
        Operand<TFloat32> dvSum = tf.reshape(tf.sum(dv, reduce.r1()), sv);
        return List.of(dy, dpSum, dvSum, a, b, c);
    }

    private static Operand<TInt32> batchShape(Ops tf, Operand<TInt32> shape) {
        return tf.slice(shape, tf.constant(new int[] {0}), tf.math.sub(tf.shape(shape), tf.constant(new int[] {2})));
    }
}
