package dev.graft.weights;

import dev.graft.engine.spi.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Small bundles and raw protobuf pieces for the reader's tests. */
final class BundleFiles {
    private BundleFiles() {
    }

    /** A bundle shaped like a small BERT checkpoint: float kernels, int32 and string tensors, 40 names. */
    static TensorBundleWriter small(long seed) {
        Random r = new Random(seed);
        TensorBundleWriter w = new TensorBundleWriter();
        for (int l = 0; l < 6; l++) {
            String p = "bert/encoder/layer_" + l + "/attention/self/";
            w.add(p + "query/kernel", floats(r, 4, 3));
            w.add(p + "query/bias", floats(r, 3));
            w.add(p + "key/kernel", floats(r, 4, 3));
            w.add(p + "value/kernel", floats(r, 2, 2, 2));
            w.add(p + "scalar", floats(r));
            w.add(p + "empty", floats(r, 0, 5));
        }
        w.add("global_step", HostTensor.ofInts(new int[] {1234}));
        w.add("ints", HostTensor.ofInts(new int[] {1, -2, 3, Integer.MIN_VALUE}, 2, 2));
        w.addStrings("words", new long[] {3}, "a".getBytes(), new byte[0], "ccc".getBytes());
        return w;
    }

    static HostTensor floats(Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return HostTensor.of(v, shape);
    }

    static Path write(TensorBundleWriter w, Path dir, String name) throws IOException {
        Path prefix = dir.resolve(name);
        w.write(prefix);
        return prefix;
    }

    static Path data(Path prefix) {
        return Path.of(prefix + ".data-00000-of-00001");
    }

    static Path index(Path prefix) {
        return Path.of(prefix + ".index");
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** The header every bundle carries under the empty key: one shard. */
    static byte[] header(int shards) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(1 << 3);
        varint(h, shards);
        return h.toByteArray();
    }
}
