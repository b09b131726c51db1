package dev.graft.nlp;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports pretrained BERT and RoBERTa weights onto {@link BertEncoder}'s parameters: Google's
 * TensorFlow names ({@code bert/encoder/layer_0/attention/self/query/kernel}, also under a TF-Hub
 * {@code module/} prefix) and Hugging Face names ({@code bert.encoder.layer.0.attention.self.query.weight},
 * {@code roberta.*}), whose Linear weights are {@code [out, in]} and are transposed.
 */
public final class BertWeights {
    private static final Pattern GOOGLE_LAYER = Pattern.compile("encoder/layer_(\\d+)/(.+)");
    private static final Pattern HF_LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");

    private BertWeights() {
    }

    /** Imported parameters (full names, with {@code prefix}) and the report. */
    public record Result(Map<String, HostTensor> weights, ImportReport report) {
    }

    /** Thrown in strict mode when any parameter is missing or any tensor is mis-shaped. */
    public static final class ImportException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient ImportReport report;

        ImportException(ImportReport report) {
            super(report.describe());
            this.report = report;
        }

        public ImportReport report() {
            return report;
        }
    }

    /** Parameter shapes of an encoder with config {@code c}, by full name under {@code prefix}. */
    public static Map<String, Shape> parameterShapes(BertConfig c, String prefix) {
        return parameterShapes(c, prefix, true);
    }

    /** Parameter shapes of an encoder built with or without its pooler. */
    public static Map<String, Shape> parameterShapes(BertConfig c, String prefix, boolean withPooler) {
        NetworkBuilder b = new NetworkBuilder();
        var in = BertEncoder.declareInputs(b, c);
        BertEncoder.Outputs o;
        if (prefix.isEmpty()) {
            o = BertEncoder.build(b, c, in, withPooler);
        } else {
            try (NetworkBuilder.Scope s = scopes(b, prefix)) {
                o = BertEncoder.build(b, c, in, withPooler);
            }
        }
        Map<String, Shape> out = new LinkedHashMap<>();
        for (ParamSpec p : b.output("features", withPooler ? o.pooled() : o.cls()).build().params().values()) {
            out.put(p.name(), p.shape());
        }
        return out;
    }

    private static NetworkBuilder.Scope scopes(NetworkBuilder b, String prefix) {
        List<NetworkBuilder.Scope> opened = new ArrayList<>();
        for (String part : prefix.split("\\.")) {
            opened.add(b.scope(part));
        }
        return () -> {
            for (int i = opened.size() - 1; i >= 0; i--) {
                opened.get(i).close();
            }
        };
    }

    /** Google TensorFlow checkpoint / SavedModel variables (already [in, out]). */
    public static Result fromGoogle(String source, Map<String, HostTensor> tensors, BertConfig c, String prefix,
            boolean strict) {
        return fromGoogle(source, tensors, c, prefix, strict, true);
    }

    /** Google tensors onto an encoder built with or without its pooler (pooler tensors are then skipped). */
    public static Result fromGoogle(String source, Map<String, HostTensor> tensors, BertConfig c, String prefix,
            boolean strict, boolean withPooler) {
        return map(source, tensors, c, prefix, strict, withPooler, BertWeights::googleName);
    }

    /** Hugging Face tensors ({@code bert.*}, {@code roberta.*} or unprefixed). */
    public static Result fromHuggingFace(String source, Map<String, HostTensor> tensors, BertConfig c, String prefix,
            boolean strict) {
        return fromHuggingFace(source, tensors, c, prefix, strict, true);
    }

    /** Hugging Face tensors onto an encoder built with or without its pooler. */
    public static Result fromHuggingFace(String source, Map<String, HostTensor> tensors, BertConfig c, String prefix,
            boolean strict, boolean withPooler) {
        return map(source, tensors, c, prefix, strict, withPooler, BertWeights::huggingFaceName);
    }

    /**
     * An ONNX export of a Hugging Face BERT (see {@link OnnxBertNames}): named tensors keep Hugging
     * Face names; the anonymous MatMul kernels, already {@code [in, out]}, are named by their bias.
     */
    public static Result fromOnnx(dev.graft.weights.OnnxModel model, BertConfig c, String prefix, boolean strict,
            boolean withPooler) throws IOException {
        OnnxBertNames names = OnnxBertNames.of(model);
        Result r = map(model.file().toString(), model.floatTensors(), c, prefix, strict, withPooler, names::target);
        // initializers that are not float (e.g. the INT64 position_ids buffer) are no weights: listed as skipped
        List<String> skipped = new ArrayList<>(r.report().skipped());
        model.initializers().values().stream().filter(t -> t.dataType() != dev.graft.weights.OnnxModel.FLOAT)
                .forEach(t -> skipped.add(t.name()));
        ImportReport rep = r.report();
        return new Result(r.weights(), new ImportReport(rep.source(), rep.imported(), skipped, rep.misshaped(), rep.missing()));
    }

    /** A Hugging Face {@code model.safetensors} file. */
    public static Result fromSafetensors(Path file, BertConfig c, String prefix, boolean strict) throws IOException {
        return fromHuggingFace(file.toString(), SafeTensors.read(file).tensors(), c, prefix, strict);
    }

    /**
     * Reads the encoder's size from a checkpoint's tensors (vocabulary, hidden size, layers,
     * feed-forward size, positions, token types); heads cannot be seen in the weights and are
     * given, as are the family's constants, taken from {@code base}.
     *
     * @param huggingFace whether the names are Hugging Face's (else Google's)
     */
    public static BertConfig inferConfig(Map<String, HostTensor> tensors, boolean huggingFace, BertConfig base, int heads) {
        return inferConfig(tensors, huggingFace ? BertWeights::huggingFaceName : BertWeights::googleName,
                huggingFace ? "Hugging Face" : "Google", base, heads);
    }

    /**
     * {@link #inferConfig} from the tensors' shapes alone (a checkpoint's index or a safetensors
     * header), so the architecture is known without reading any weights.
     */
    public static BertConfig inferConfigFromShapes(Map<String, Shape> tensors, boolean huggingFace, BertConfig base,
            int heads) {
        return inferFromShapes(new LinkedHashMap<>(tensors), huggingFace ? BertWeights::huggingFaceName : BertWeights::googleName,
                huggingFace ? "Hugging Face" : "Google", base, heads);
    }

    /** {@link #inferConfig(Map, boolean, BertConfig, int)} for an ONNX export. */
    public static BertConfig inferConfig(dev.graft.weights.OnnxModel model, BertConfig base, int heads) {
        Map<String, Shape> bySource = new LinkedHashMap<>();
        for (dev.graft.weights.OnnxInitializer t : model.initializers().values()) {
            if (t.dataType() == dev.graft.weights.OnnxModel.FLOAT) {
                bySource.put(t.name(), Shape.of(t.dims()));
            }
        }
        return inferFromShapes(bySource, OnnxBertNames.of(model)::target, "ONNX (Hugging Face)", base, heads);
    }

    static BertConfig inferConfig(Map<String, HostTensor> tensors, Namer namer, String kind, BertConfig base, int heads) {
        Map<String, Shape> bySource = new LinkedHashMap<>();
        tensors.forEach((k, v) -> bySource.put(k, v.shape()));
        return inferFromShapes(bySource, namer, kind, base, heads);
    }

    private static BertConfig inferFromShapes(Map<String, Shape> bySource, Namer namer, String kind, BertConfig base,
            int heads) {
        Map<String, Shape> shapes = new java.util.HashMap<>();
        int layers = 0;
        for (Map.Entry<String, Shape> e : bySource.entrySet()) {
            Target t = namer.target(e.getKey());
            if (t == null) {
                continue;
            }
            Shape s = e.getValue();
            if (t.transpose() && s.rank() == 2) {
                s = Shape.of(s.dim(1), s.dim(0));
            }
            shapes.put(t.name(), s);
            Matcher m = Pattern.compile("encoder\\.layer_(\\d+)\\..*").matcher(t.name());
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        Shape word = shapes.get("embeddings.word.embeddings");
        Shape pos = shapes.get("embeddings.position.embeddings");
        Shape types = shapes.get("embeddings.token_type.embeddings");
        Shape inter = shapes.get("encoder.layer_0.ffn.intermediate.kernel");
        if (word == null || pos == null || types == null || inter == null || layers == 0) {
            throw new IllegalArgumentException("cannot read the encoder's size from these weights: expected "
                    + kind + " BERT tensor names (embeddings, encoder layers), found e.g. "
                    + bySource.keySet().stream().limit(6).toList());
        }
        return new BertConfig(base.family(), layers, (int) word.dim(1), heads > 0 ? heads : Math.max(1, (int) word.dim(1) / 64),
                (int) inter.dim(1), (int) word.dim(0), (int) pos.dim(0), (int) types.dim(0), base.layerNormEps(),
                base.padId(), base.positionOffset(), base.activation(), base.hiddenDropout(), base.attentionDropout());
    }

    /**
     * The parameters {@link #fromGoogle} would import from a checkpoint, known from its index alone (names, TensorFlow
     * dtypes and shapes of its readable tensors), so no tensor is read: {@code null} when {@code strict} and the
     * import would be incomplete (reading then reports why).
     */
    public static java.util.Set<String> googleNames(Map<String, Shape> shapes, Map<String, Boolean> isFloat, BertConfig c,
            String prefix, boolean strict, boolean withPooler) {
        Plan plan = plan(shapes, name -> Boolean.TRUE.equals(isFloat.get(name)), parameterShapes(c, prefix, withPooler), prefix,
                BertWeights::googleName);
        if (strict && !plan.complete()) {
            return null;
        }
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        plan.imported().forEach(m -> out.add(m.to()));
        return out;
    }

    /** A target name (relative) and whether the source is [out, in]. */
    record Target(String name, boolean transpose) {
    }

    interface Namer {
        Target target(String source);
    }

    private static Result map(String source, Map<String, HostTensor> tensors, BertConfig c, String prefix, boolean strict,
            boolean withPooler, Namer namer) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        tensors.forEach((k, v) -> shapes.put(k, v.shape()));
        Plan plan = plan(shapes, name -> tensors.get(name).dtype() == dev.graft.engine.spi.DType.FLOAT32,
                parameterShapes(c, prefix, withPooler), prefix, namer);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (ImportReport.Mapped m : plan.imported()) {
            HostTensor v = tensors.get(m.from());
            out.put(m.to(), m.transposed() && v.shape().rank() == 2 ? transpose(v) : v);
        }
        ImportReport report = new ImportReport(source, plan.imported(), plan.skipped(), plan.misshaped(), plan.missing());
        if (strict && !report.complete()) {
            throw new ImportException(report);
        }
        return new Result(out, report);
    }

    /** What an import does with each source tensor, decided from names, shapes and dtypes alone. */
    private record Plan(List<ImportReport.Mapped> imported, List<String> skipped, List<ImportReport.Mismatch> misshaped,
            List<String> missing) {
        boolean complete() {
            return misshaped.isEmpty() && missing.isEmpty();
        }
    }

    /**
     * Matches source tensors (by name, in sorted order) to the encoder's parameters: a source is imported when its
     * target exists, it is float and its shape (transposed where the source is [out, in]) is the expected one; a
     * second source for the same target is a mismatch. Shared by the import and the index-only name list.
     */
    private static Plan plan(Map<String, Shape> shapes, java.util.function.Predicate<String> isFloat,
            Map<String, Shape> expected, String prefix, Namer namer) {
        String p = prefix.isEmpty() ? "" : prefix + ".";
        java.util.Set<String> targets = new java.util.HashSet<>();
        List<ImportReport.Mapped> imported = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<ImportReport.Mismatch> misshaped = new ArrayList<>();
        for (Map.Entry<String, Shape> e : new TreeMap<>(shapes).entrySet()) {
            Target t = namer.target(e.getKey());
            Shape want = t == null ? null : expected.get(p + t.name());
            if (want == null) {
                skipped.add(e.getKey());
                continue;
            }
            boolean f = isFloat.test(e.getKey());
            Shape s = e.getValue();
            if (t.transpose() && s.rank() == 2 && f) {
                s = Shape.of(s.dim(1), s.dim(0));
            }
            if (!s.equals(want) || !f || !targets.add(p + t.name())) {
                misshaped.add(new ImportReport.Mismatch(e.getKey(), p + t.name(), s, want));
                continue;
            }
            imported.add(new ImportReport.Mapped(e.getKey(), p + t.name(), t.transpose()));
        }
        List<String> missing = expected.keySet().stream().filter(n -> !targets.contains(n)).toList();
        return new Plan(imported, skipped, misshaped, new ArrayList<>(missing));
    }

    /** The parameter (relative to the encoder's scope) a Google tensor name maps to, or null. */
    public static String googleTarget(String source) {
        Target t = googleName(source);
        return t == null ? null : t.name();
    }

    static Target googleName(String source) {
        String s = source;
        if (s.startsWith("module/")) {
            s = s.substring("module/".length());
        }
        if (!s.startsWith("bert/") || s.contains("adam_") || s.endsWith("/Adam") || s.endsWith("/Adam_1")) {
            return null;
        }
        s = s.substring("bert/".length());
        String norm = s.replace("/LayerNorm/", "/norm/").replace("LayerNorm/", "norm/");
        switch (norm) {
            case "embeddings/word_embeddings":
                return new Target("embeddings.word.embeddings", false);
            case "embeddings/position_embeddings":
                return new Target("embeddings.position.embeddings", false);
            case "embeddings/token_type_embeddings":
                return new Target("embeddings.token_type.embeddings", false);
            case "embeddings/norm/gamma", "embeddings/norm/beta":
                return new Target(norm.replace('/', '.'), false);
            case "pooler/dense/kernel", "pooler/dense/bias":
                return new Target("pooler." + norm.substring(norm.lastIndexOf('/') + 1), false);
            default:
                break;
        }
        Matcher m = GOOGLE_LAYER.matcher(norm);
        if (!m.matches()) {
            return null;
        }
        String rest = m.group(2);
        String local = switch (rest) {
            case "attention/self/query/kernel", "attention/self/query/bias", "attention/self/key/kernel",
                    "attention/self/key/bias", "attention/self/value/kernel", "attention/self/value/bias" ->
                    "attention." + rest.substring("attention/self/".length()).replace('/', '.');
            case "attention/output/dense/kernel", "attention/output/dense/bias" ->
                    "attention.output." + last(rest);
            case "attention/output/norm/gamma", "attention/output/norm/beta" -> "attention.norm." + last(rest);
            case "intermediate/dense/kernel", "intermediate/dense/bias" -> "ffn.intermediate." + last(rest);
            case "output/dense/kernel", "output/dense/bias" -> "ffn.output." + last(rest);
            case "output/norm/gamma", "output/norm/beta" -> "ffn.norm." + last(rest);
            default -> null;
        };
        return local == null ? null : new Target("encoder.layer_" + m.group(1) + "." + local, false);
    }

    static Target huggingFaceName(String source) {
        String s = source;
        for (String pre : List.of("bert.", "roberta.")) {
            if (s.startsWith(pre)) {
                s = s.substring(pre.length());
            }
        }
        // older checkpoints name LayerNorm parameters gamma/beta
        s = s.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias");
        switch (s) {
            case "embeddings.word_embeddings.weight":
                return new Target("embeddings.word.embeddings", false);
            case "embeddings.position_embeddings.weight":
                return new Target("embeddings.position.embeddings", false);
            case "embeddings.token_type_embeddings.weight":
                return new Target("embeddings.token_type.embeddings", false);
            case "embeddings.LayerNorm.weight":
                return new Target("embeddings.norm.gamma", false);
            case "embeddings.LayerNorm.bias":
                return new Target("embeddings.norm.beta", false);
            case "pooler.dense.weight":
                return new Target("pooler.kernel", true);
            case "pooler.dense.bias":
                return new Target("pooler.bias", false);
            default:
                break;
        }
        Matcher m = HF_LAYER.matcher(s);
        if (!m.matches()) {
            return null;
        }
        String rest = m.group(2);
        String local = switch (rest) {
            case "attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight" ->
                    "attention." + rest.split("\\.")[2] + ".kernel";
            case "attention.self.query.bias", "attention.self.key.bias", "attention.self.value.bias" ->
                    "attention." + rest.split("\\.")[2] + ".bias";
            case "attention.output.dense.weight" -> "attention.output.kernel";
            case "attention.output.dense.bias" -> "attention.output.bias";
            case "attention.output.LayerNorm.weight" -> "attention.norm.gamma";
            case "attention.output.LayerNorm.bias" -> "attention.norm.beta";
            case "intermediate.dense.weight" -> "ffn.intermediate.kernel";
            case "intermediate.dense.bias" -> "ffn.intermediate.bias";
            case "output.dense.weight" -> "ffn.output.kernel";
            case "output.dense.bias" -> "ffn.output.bias";
            case "output.LayerNorm.weight" -> "ffn.norm.gamma";
            case "output.LayerNorm.bias" -> "ffn.norm.beta";
            default -> null;
        };
        return local == null ? null : new Target("encoder.layer_" + m.group(1) + "." + local, local.endsWith("kernel"));
    }

    private static String last(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** [a, b] to [b, a]. */
    static HostTensor transpose(HostTensor t) {
        int rows = (int) t.shape().dim(0);
        int cols = (int) t.shape().dim(1);
        float[] src = t.floats();
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
        return HostTensor.of(dst, cols, rows);
    }
}
