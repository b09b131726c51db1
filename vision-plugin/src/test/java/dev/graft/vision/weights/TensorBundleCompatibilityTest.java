package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.HostTensor;
import dev.graft.weights.TensorBundle;
import dev.graft.weights.TensorBundleWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * The plain-Java tensor-bundle reader and writer against TensorFlow's own SaveV2 and RestoreV2:
 * float, int and string tensors (the format TensorFlow 2 keeps its object graph in) written by
 * TensorFlow are read by {@link TensorBundle}, and bundles written by {@link TensorBundleWriter}
 * are restored by TensorFlow, checksums included.
 */
class TensorBundleCompatibilityTest {
    @TempDir
    Path dir;

    private static org.tensorflow.Operand<TString> strings(Ops tf, String... values) {
        return tf.constant(org.tensorflow.ndarray.StdArrays.ndCopyOf(values));
    }

    @Test
    void readsFloatIntAndStringTensorsThatTensorFlowSaved() throws Exception {
        Path prefix = dir.resolve("tf/ckpt");
        float[] f = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            var names = strings(tf, new String[] {"a/floats", "b/ints", "c/strings"});
            var slices = strings(tf, new String[] {"", "", ""});
            var save = tf.train.save(tf.constant(prefix.toString()), names, slices, List.of(
                    tf.constant(Shape.of(2, 3), DataBuffers.of(f, true, false)),
                    tf.constant(new int[] {7, -8, Integer.MAX_VALUE}),
                    strings(tf, new String[] {"object graph", "", "\u00e9t\u00e9"})));
            s.runner().addTarget(save).run();
        }
        try (TensorBundle b = TensorBundle.open(prefix)) {
            assertThat(b.entries()).containsOnlyKeys("a/floats", "b/ints", "c/strings");
            HostTensor floats = b.read("a/floats");
            assertThat(floats.shape().dims()).containsExactly(2, 3);
            assertThat(floats.floats()).containsExactly(f);
            assertThat(b.read("b/ints").ints()).containsExactly(7, -8, Integer.MAX_VALUE);
            assertThat(b.readStrings("c/strings")).containsExactly("object graph".getBytes(StandardCharsets.UTF_8), new byte[0],
                    "\u00e9t\u00e9".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void tensorFlowRestoresWhatTheJavaWriterWrote() throws Exception {
        Path prefix = dir.resolve("java/ckpt");
        java.nio.file.Files.createDirectories(prefix.getParent());
        TensorBundleWriter w = new TensorBundleWriter();
        for (int i = 0; i < 40; i++) { // several index blocks and restart points
            w.add(String.format("layer_%02d/kernel", i), HostTensor.of(new float[] {i, -i, i / 2f}, 3));
        }
        w.add("step", HostTensor.ofInts(new int[] {42}));
        w.addStrings("words", new long[] {2}, "hello".getBytes(StandardCharsets.UTF_8), new byte[0]);
        w.write(prefix);
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Restore r = tf.train.restore(tf.constant(prefix.toString()), strings(tf, new String[] {"layer_37/kernel", "step",
                    "words"}), strings(tf, new String[] {"", "", ""}), List.of(TFloat32.class, TInt32.class, TString.class));
            try (Result res = s.runner().fetch(r.tensors().get(0)).fetch(r.tensors().get(1)).fetch(r.tensors().get(2)).run()) {
                TFloat32 k = (TFloat32) res.get(0);
                assertThat(new float[] {k.getFloat(0), k.getFloat(1), k.getFloat(2)}).containsExactly(37f, -37f, 18.5f);
                assertThat(((TInt32) res.get(1)).getInt()).isEqualTo(42);
                TString words = (TString) res.get(2);
                assertThat(words.getObject(0)).isEqualTo("hello");
                assertThat(words.getObject(1)).isEmpty();
            }
        }
    }
}
