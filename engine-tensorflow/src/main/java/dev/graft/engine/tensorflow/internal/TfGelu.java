package dev.graft.engine.tensorflow.internal;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A GELU's value and its derivative as TensorFlow ops, in one of its two forms: the exact one,
 * {@code ((1 + erf(x / sqrt 2)) * 0.5) * x}, in the order of grappler's oneDNN pattern (after a dense layer's BiasAdd it
 * becomes one MatMul with bias and GELU), or the tanh approximation, {@code (x * 0.5) * (tanh((x + x^3 * 0.044715)
 * * sqrt(2 / pi)) + 1)}, in the order BERT's definition used to write it from generic ops. The derivative is built only
 * when asked for, from the same intermediate (the erf bracket or the tanh), so an inference graph holds the value's ops
 * only.
 */
final class TfGelu {
    private final Ops tf;
    private final Operand<TFloat32> x;
    private final boolean tanh;
    /** The tanh form's {@code t = tanh(..)}, the exact form's {@code x / sqrt 2}. */
    private final Operand<TFloat32> inner;
    /** The exact form's {@code (1 + erf(x / sqrt 2)) * 0.5}; null for the tanh form. */
    private final Operand<TFloat32> phi;
    private final Operand<TFloat32> value;

    private TfGelu(Ops tf, Operand<TFloat32> x, boolean tanh) {
        this.tf = tf;
        this.x = x;
        this.tanh = tanh;
        if (tanh) {
            Operand<TFloat32> cube = tf.math.mul(tf.math.mul(x, x), x);
            Operand<TFloat32> arg = tf.math.mul(tf.math.add(x, tf.math.mul(cube, tf.constant((float) 0.044715))),
                    tf.constant((float) Math.sqrt(2 / Math.PI)));
            this.inner = tf.math.tanh(arg);
            this.phi = null;
            this.value = tf.math.mul(tf.math.mul(x, tf.constant(0.5f)), tf.math.add(inner, tf.constant(1f)));
        } else {
            this.inner = tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2))));
            this.phi = tf.math.mul(tf.math.add(tf.math.erf(inner), tf.constant(1f)), tf.constant(0.5f));
            this.value = tf.math.mul(phi, x);
        }
    }

    /** The GELU of {@code x}: the tanh approximation if {@code tanh}, else the exact form. */
    static TfGelu of(Ops tf, Operand<TFloat32> x, boolean tanh) {
        return new TfGelu(tf, x, tanh);
    }

    Operand<TFloat32> value() {
        return value;
    }

    /**
     * The derivative: {@code Phi(x) + x phi(x)} for the exact form ({@code phi(x) = exp(-u^2) / sqrt(2 pi)},
     * {@code u = x / sqrt 2}); {@code (1 + t) / 2 + x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2) / 2} for the tanh form.
     */
    Operand<TFloat32> slope() {
        if (!tanh) {
            Operand<TFloat32> density = tf.math.mul(tf.math.exp(tf.math.neg(tf.math.square(inner))),
                    tf.constant((float) (1 / Math.sqrt(2 * Math.PI))));
            return tf.math.add(phi, tf.math.mul(x, density));
        }
        Operand<TFloat32> half = tf.constant(0.5f);
        Operand<TFloat32> dInner = tf.math.mul(tf.math.add(tf.constant(1f), tf.math.mul(tf.math.square(x),
                tf.constant((float) (3 * 0.044715)))), tf.constant((float) Math.sqrt(2 / Math.PI)));
        Operand<TFloat32> dTanh = tf.math.sub(tf.constant(1f), tf.math.square(inner));
        return tf.math.add(tf.math.mul(tf.math.add(inner, tf.constant(1f)), half),
                tf.math.mul(tf.math.mul(tf.math.mul(x, half), dTanh), dInner));
    }
}
