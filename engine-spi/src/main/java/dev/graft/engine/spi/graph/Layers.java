package dev.graft.engine.spi.graph;

/**
 * Common layers built from the op set, with Keras-style parameter names under the layer's scope:
 * {@code name.kernel}, {@code name.bias}, {@code name.gamma}, {@code name.beta},
 * {@code name.moving_mean}, {@code name.moving_variance}, {@code name.embeddings}.
 */
public final class Layers {
    private Layers() {
    }

    /** x [N, in] times kernel [in, units] plus bias. */
    public static Node dense(NetworkBuilder b, String name, Node x, int units, boolean bias, Initializer init) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            long in = x.shape().dim(-1);
            if (in < 0) {
                throw new DefinitionException(b.qualify(""), "dense input needs a known last dimension, got " + x.shape());
            }
            Node y;
            Node k = b.param("kernel", init, in, units);
            if (x.shape().rank() == 2) {
                y = b.matmul(x, k);
            } else {
                long[] flat = {-1, in};
                Node x2 = b.reshape(x, flat);
                y = b.matmul(x2, k);
                long[] back = x.shape().dims();
                back[back.length - 1] = units;
                int unknown = 0;
                for (long d : back) {
                    unknown += d < 0 ? 1 : 0;
                }
                if (unknown > 1) {
                    throw new DefinitionException(b.qualify(""), "dense input " + x.shape() + " has more than one unknown dimension");
                }
                y = b.reshape(y, back);
            }
            return bias ? b.add(y, b.param("bias", Initializer.zeros(), units)) : y;
        }
    }

    public static Node dense(NetworkBuilder b, String name, Node x, int units) {
        return dense(b, name, x, units, true, Initializer.glorotUniform());
    }

    /** A convolution layer with a HWIO kernel, SAME/VALID padding, optional bias. */
    public static Node conv2d(NetworkBuilder b, String name, Node x, int filters, int kernel, int stride,
            String padding, boolean bias) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            long c = x.shape().dim(3);
            Node k = b.param("kernel", Initializer.heNormal(), kernel, kernel, c, filters);
            Node y = b.conv2d(x, k, new int[] {stride, stride}, padding, new int[] {1, 1}, 1);
            return bias ? b.add(y, b.param("bias", Initializer.zeros(), filters)) : y;
        }
    }

    /** BatchNorm over the last axis with trainable gamma/beta and moving statistics. */
    public static Node batchNorm(NetworkBuilder b, String name, Node x, double epsilon, double momentum) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            long c = x.shape().dim(-1);
            return b.batchNorm(x,
                    b.param("gamma", Initializer.ones(), c),
                    b.param("beta", Initializer.zeros(), c),
                    b.param("moving_mean", Initializer.zeros(), false, c),
                    b.param("moving_variance", Initializer.ones(), false, c),
                    epsilon, momentum);
        }
    }

    public static Node batchNorm(NetworkBuilder b, String name, Node x) {
        return batchNorm(b, name, x, 1e-5, 0.9);
    }

    public static Node layerNorm(NetworkBuilder b, String name, Node x, double epsilon) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            long c = x.shape().dim(-1);
            return b.layerNorm(x, b.param("gamma", Initializer.ones(), c), b.param("beta", Initializer.zeros(), c), epsilon);
        }
    }

    public static Node embedding(NetworkBuilder b, String name, Node ids, int vocab, int dim) {
        try (NetworkBuilder.Scope s = b.scope(name)) {
            return b.embedding(b.param("embeddings", Initializer.truncatedNormal(0.02), vocab, dim), ids);
        }
    }
}
