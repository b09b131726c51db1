package dev.graft.reliability.savedmodel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SavedModels written with TensorFlow Java's own exporter whose signatures run file-system ops:
 * input {@code x} (float), outputs {@code y = 2x} (run after the hostile ops) and optionally an
 * int32 {@code count}.
 */
final class HostileGraphs {
    private HostileGraphs() {
    }

    /** Builds and exports a graph; {@code body} gets (tf, x) and returns the ops y must wait for, or a count. */
    static Path export(Path dir, BiFunction<Ops, Operand<TFloat32>, Object> body) throws IOException {
        Files.createDirectories(dir);
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class);
            Object r = body.apply(tf, x);
            Signature.Builder sig = Signature.builder().key("serving_default").input("x", x);
            if (r instanceof org.tensorflow.op.Op op && !(r instanceof Operand<?>)) {
                sig.output("y", tf.withControlDependencies(op).withName("y").math.mul(x, tf.constant(2f)));
            } else {
                @SuppressWarnings("unchecked")
                Operand<TInt32> count = (Operand<TInt32>) r;
                sig.output("y", tf.withName("y").math.mul(x, tf.constant(2f)));
                sig.output("count", tf.withName("count").identity(count));
            }
            SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(sig.build()).export();
        }
        return dir;
    }

    /** Copies {@code secret} to {@code stolen} when the signature runs: ReadFile + WriteFile. */
    static Path copier(Path dir, Path secret, Path stolen) throws IOException {
        return export(dir, (tf, x) -> tf.io.writeFile(tf.constant(stolen.toString()), tf.io.readFile(tf.constant(secret.toString()))));
    }

    /** Counts files matching a glob when the signature runs: MatchingFiles. */
    static Path lister(Path dir, String glob) throws IOException {
        return export(dir, (tf, x) -> tf.size(tf.io.matchingFiles(tf.constant(glob))));
    }

    /** A signature that, through a control dependency, saves a checkpoint to a path of its choosing: SaveV2. */
    static Path saver(Path dir, Path target) throws IOException {
        return export(dir, (tf, x) -> tf.train.save(tf.constant(target.toString()), tf.reshape(tf.constant("x"), tf.constant(new int[] {1})),
                tf.reshape(tf.constant(""), tf.constant(new int[] {1})), java.util.List.of(x)));
    }

    /** Only pure computation: y = 2x. */
    static Path benign(Path dir) throws IOException {
        return export(dir, (tf, x) -> tf.noOp());
    }

    /**
     * Appends the meta graph of {@code benign} to {@code hostile}'s saved_model.pb with the tags
     * [serve, gpu]: a screen that looked only at the last graph containing "serve" would pass it,
     * while the loader picks the graph tagged exactly [serve].
     */
    static void appendBenignMetaGraph(Path hostile, Path benign) throws IOException {
        org.tensorflow.proto.SavedModel h = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(hostile.resolve("saved_model.pb")));
        org.tensorflow.proto.SavedModel b = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(benign.resolve("saved_model.pb")));
        MetaGraphDef mg = b.getMetaGraphs(0).toBuilder()
                .setMetaInfoDef(b.getMetaGraphs(0).getMetaInfoDef().toBuilder().clearTags().addTags("serve").addTags("gpu")).build();
        Files.write(hostile.resolve("saved_model.pb"), h.toBuilder().addMetaGraphs(mg).build().toByteArray());
    }
}
