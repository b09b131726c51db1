package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.RunContext;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.NetworkRewriter;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a saved model as a TensorFlow SavedModel that serves without Graft: its signature takes
 * only what a client has (token ids, segment ids and mask for text; RGB pixels 0..255 at the
 * model's input size for images, normalised in the graph) and returns the probabilities (and
 * logits); the labels, the tokenizer and a description of inputs and outputs are written to
 * {@code assets/} beside it.
 */
final class ServingExport {
    /** The image input of an export: RGB values 0..255, [N, size, size, 3]. */
    static final String PIXELS = "pixels";

    private ServingExport() {
    }

    /** What was exported. */
    record Exported(List<String> inputs, List<String> outputs, List<String> assets) {
    }

    static Exported export(Graft g, Engine engine, TrainedModel m, Path modelDir, Path output) throws IOException {
        Map<String, byte[]> clientFiles;
        RunContext ctx = RunContext.of(engine, dev.graft.engine.spi.io.CacheFolder.root(), 0, g.backbones());
        try (Backbone b = g.backbones().create(m.manifest().backbone().name(), m.manifest().backbone().options(), ctx)) {
            List<String> unfed = Predictor.unfedInputs(m, b);
            if (!unfed.isEmpty()) {
                throw new UsageException(modelDir + ": the saved network reads inputs " + unfed + " that backbone '" + b.name()
                        + "' no longer produces: the model was saved by an earlier Graft version; re-save it with this "
                        + "version (train it again with graft fit), then export");
            }
            clientFiles = b.clientFiles();
        }
        String probs = m.manifest().predictionOutput();
        Network net = m.network();
        List<String> outputs = new ArrayList<>(List.of(probs));
        if (net.outputs().containsKey("logits")) {
            outputs.add("logits");
        }
        Map<String, String> pp = m.preprocessing().params();
        List<String> in = net.inputsFor(outputs);
        if (in.size() == 1 && isImage(net.input(in.get(0)), pp)) {
            net = withPixelInput(net, in.get(0), pp);
        }
        try (CompiledModel c = engine.compile(net, 0, m.weights())) {
            engine.exportSavedModel(c, outputs, output);
        }
        Path assets = Files.createDirectories(output.resolve("assets"));
        List<String> written = new ArrayList<>();
        write(assets.resolve("labels.txt"), String.join("\n", m.labels().labels()) + "\n", written);
        for (Map.Entry<String, byte[]> f : clientFiles.entrySet()) {
            Files.write(assets.resolve(f.getKey()), f.getValue());
            written.add(f.getKey());
        }
        write(assets.resolve("serving.json"), describe(m, net, outputs), written);
        return new Exported(net.inputsFor(outputs), outputs, written);
    }

    private static void write(Path file, String text, List<String> written) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        written.add(file.getFileName().toString());
    }

    private static boolean isImage(Node input, Map<String, String> pp) {
        return input.dtype() == DType.FLOAT32 && input.shape().rank() == 4 && input.shape().dim(3) == 3
                && pp.containsKey("scale") && pp.containsKey("mean") && pp.containsKey("std") && pp.containsKey("channels");
    }

    /**
     * The network with its image input replaced by {@link #PIXELS}: RGB 0..255, reordered to the
     * backbone's channel order, then {@code (value * scale - mean[c]) / std[c]} per channel, the
     * same float arithmetic as Graft's own preprocessing.
     */
    static Network withPixelInput(Network net, String imageInput, Map<String, String> pp) {
        float scale = Float.parseFloat(pp.get("scale"));
        float[] mean = floats(pp.get("mean"));
        float[] std = floats(pp.get("std"));
        boolean bgr = pp.get("channels").equals("BGR");
        long[] shape = net.input(imageInput).shape().dims();
        return NetworkRewriter.rewrite(net, (b, original, copy) -> {
            if (original.op() != Op.INPUT || !original.attrs().getString("name").equals(imageInput)) {
                return copy;
            }
            try (NetworkBuilder.Scope s = b.scope("pixel_preprocessing")) {
                Node pixels = b.input(PIXELS, DType.FLOAT32, shape);
                Node[] channels = new Node[3];
                for (int c = 0; c < 3; c++) {
                    int src = bgr ? 2 - c : c;
                    Node x = b.slice(pixels, new long[] {0, 0, 0, src}, new long[] {-1, -1, -1, 1});
                    channels[c] = b.div(b.sub(b.mul(x, b.scalar(scale)), b.scalar(mean[c])), b.scalar(std[c]));
                }
                return b.concat(3, channels);
            }
        });
    }

    private static float[] floats(String s) {
        String[] p = s.split(",");
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            f[i] = Float.parseFloat(p[i].strip());
        }
        return f;
    }

    /** serving.json: the signature's inputs and outputs, labels and preprocessing, for clients. */
    private static String describe(TrainedModel m, Network net, List<String> outputs) {
        StringBuilder sb = new StringBuilder("{\n  \"signature\": \"serving_default\",\n  \"tag\": \"serve\",\n  \"inputs\": {");
        List<String> in = net.inputsFor(outputs);
        for (int i = 0; i < in.size(); i++) {
            Node n = net.input(in.get(i));
            sb.append(i == 0 ? "\n" : ",\n").append("    ").append(q(in.get(i))).append(": {\"dtype\": ").append(q(n.dtype().name()))
                    .append(", \"shape\": ").append(java.util.Arrays.toString(n.shape().dims())).append('}');
        }
        sb.append("\n  },\n  \"outputs\": [");
        for (int i = 0; i < outputs.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(q(outputs.get(i)));
        }
        sb.append("],\n  \"task\": ").append(q(m.labels().task().name().toLowerCase(java.util.Locale.ROOT)));
        sb.append(",\n  \"labels\": [");
        List<String> labels = m.labels().labels();
        for (int i = 0; i < labels.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(q(labels.get(i)));
        }
        sb.append("],\n  \"preprocessing\": {\"kind\": ").append(q(m.preprocessing().kind()));
        for (Map.Entry<String, String> e : new LinkedHashMap<>(m.preprocessing().params()).entrySet()) {
            sb.append(", ").append(q(e.getKey())).append(": ").append(q(e.getValue()));
        }
        return sb.append("}\n}\n").toString();
    }

    private static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
