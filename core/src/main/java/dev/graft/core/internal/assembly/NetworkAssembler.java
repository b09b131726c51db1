package dev.graft.core.internal.assembly;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.HeadSpec;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import dev.graft.core.internal.cache.FeatureCache;

/**
 * Puts backbone (scope {@code backbone}) and head (scope {@code head}) together into networks:
 * the whole network, the backbone alone (for feature caching) or the head alone on a
 * {@code features} input. Training variants add the {@code label} input and the {@code loss}.
 */
public final class NetworkAssembler {
    public static final String BACKBONE_SCOPE = "backbone";
    public static final String HEAD_SCOPE = "head";
    public static final String FEATURES = "features";
    public static final String LOGITS = "logits";
    public static final String LABEL = "label";
    public static final String LOSS = "loss";

    private NetworkAssembler() {
    }

    /** The output holding predictions: probabilities, or values for regression. */
    public static String predictionOutput(Task task) {
        return task == Task.REGRESSION ? "values" : "probabilities";
    }

    /** Backbone and head; with {@code codec != null} also the label input and the loss. */
    public static Network full(Backbone backbone, HeadFactory head, HeadSpec spec, LabelSpec codec) {
        NetworkBuilder b = new NetworkBuilder();
        Node features = backbone(b, backbone);
        b.output(FEATURES, features);
        head(b, features, head, spec, codec);
        return b.build();
    }

    /** The backbone alone, output {@code features} [N, D]. */
    public static Network backboneOnly(Backbone backbone) {
        NetworkBuilder b = new NetworkBuilder();
        b.output(FEATURES, backbone(b, backbone));
        return b.build();
    }

    /** The head alone on a {@code features} input of width {@code dim}. */
    public static Network headOnly(long dim, HeadFactory head, HeadSpec spec, LabelSpec codec) {
        NetworkBuilder b = new NetworkBuilder();
        Node features = b.input(FEATURES, DType.FLOAT32, -1, dim);
        head(b, features, head, spec, codec);
        return b.build();
    }

    private static Node backbone(NetworkBuilder b, Backbone backbone) {
        Map<String, Node> inputs = new LinkedHashMap<>();
        for (InputSpec in : backbone.inputs()) {
            if (in.name().equals(LABEL) || in.name().equals(FEATURES)) {
                throw new DefinitionException(in.name(), "backbone '" + backbone.name() + "' uses the reserved input name '"
                        + in.name() + "'");
            }
            inputs.put(in.name(), b.input(in.name(), in.dtype(), in.shape().dims()));
        }
        Node f;
        try (NetworkBuilder.Scope s = b.scope(BACKBONE_SCOPE)) {
            f = backbone.build(b, inputs);
        }
        if (f.shape().rank() != 2 || f.shape().dim(1) < 1) {
            throw new DefinitionException(f.name(), "backbone '" + backbone.name() + "' must return features [N, D] with D known, got "
                    + f.shape());
        }
        if (f.dtype() != DType.FLOAT32) {
            throw new DefinitionException(f.name(), "backbone '" + backbone.name() + "' features must be FLOAT32, got " + f.dtype());
        }
        return f;
    }

    private static void head(NetworkBuilder b, Node features, HeadFactory head, HeadSpec spec, LabelSpec codec) {
        Node logits;
        try (NetworkBuilder.Scope s = b.scope(HEAD_SCOPE)) {
            logits = head.build(b, features, spec);
        }
        if (logits.shape().rank() != 2 || logits.shape().dim(1) != spec.outputs()) {
            throw new DefinitionException(logits.name(), "head '" + head.id() + "' must return [N, " + spec.outputs()
                    + "], got " + logits.shape());
        }
        b.output(LOGITS, logits);
        Node prediction = switch (spec.task()) {
            case CLASSIFICATION -> b.softmax(logits, -1);
            case MULTI_LABEL -> b.sigmoid(logits);
            case REGRESSION -> logits;
        };
        b.output(predictionOutput(spec.task()), prediction);
        if (codec != null) {
            Node label = b.input(LABEL, codec.dtype(), codec.shape().dims());
            Node loss = switch (spec.task()) {
                case CLASSIFICATION -> b.softmaxCrossEntropy(logits, label);
                case MULTI_LABEL -> b.binaryCrossEntropy(logits, label);
                case REGRESSION -> b.meanSquaredError(logits, label);
            };
            b.loss(LOSS, loss);
        }
    }

    /**
     * The feature-cache key of a backbone: fingerprint + preprocessing + definition, plus the seed
     * when some backbone parameters are randomly initialised. {@code net} may be the full or the
     * backbone-only network (only backbone parameters count). Shared with the recommender, so
     * recommending and then fitting reuses the features.
     */
    public static String backboneKey(Backbone backbone, Network net, long seed) {
        TreeSet<String> random = new TreeSet<>();
        java.util.Set<String> w = backbone.weightNames();
        for (String p : net.params().keySet()) {
            if (p.startsWith(BACKBONE_SCOPE + ".") && !w.contains(p)) {
                random.add(p);
            }
        }
        String salt = random.isEmpty() ? "" : "seed=" + seed + ";random=" + FeatureCache.hash(random.toArray(String[]::new));
        return FeatureCache.hash(backbone.name(), backbone.fingerprint(), backbone.preprocessing().canonical(),
                backboneOnly(backbone).toJson(), salt);
    }
}
