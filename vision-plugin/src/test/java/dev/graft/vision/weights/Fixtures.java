package dev.graft.vision.weights;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.vision.Features;
import dev.graft.vision.TorchReference;
import dev.graft.vision.VisionArchitecture;
import java.util.Map;
import java.util.Random;

/** Networks and inputs shared by the importer tests. */
final class Fixtures {
    static final Engine ENGINE = new ServiceLoaderEngineRegistry().get("tensorflow");

    private Fixtures() {
    }

    /** image -> features (and logits when classes > 0), no scope. */
    static Network network(VisionArchitecture arch, int size, int classes) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("image", DType.FLOAT32, -1, size, size, 3);
        Features f = arch.build(b, x);
        b.output("features", f.pooled());
        if (classes > 0) {
            b.output("logits", arch.classifier(b, f, classes));
        }
        return b.build();
    }

    static HostTensor images(int n, int size, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * size * size * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return HostTensor.of(v, n, size, size, 3);
    }

    static TorchReference.Map3 image(HostTensor batch, int i) {
        long[] s = batch.shape().dims();
        return TorchReference.fromNhwc(batch.floats(), i, (int) s[1], (int) s[2], (int) s[3]);
    }

    /** Runs the network with the imported weights. */
    static float[] run(Network net, Map<String, HostTensor> weights, HostTensor images, String output) {
        try (CompiledModel m = ENGINE.compile(net, 1)) {
            m.setParameters(weights);
            return m.predict(Map.of("image", images), output).floats();
        }
    }

    static void assertClose(float[] actual, float[] expected, int offset, double tol, String what) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(actual[offset + i] - expected[i]);
            if (d > tol * Math.max(1, scale)) {
                throw new AssertionError(what + "[" + i + "]: engine " + actual[offset + i] + ", reference " + expected[i]
                        + " (scale " + scale + ")");
            }
        }
    }
}
