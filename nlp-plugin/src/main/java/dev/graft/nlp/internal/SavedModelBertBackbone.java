package dev.graft.nlp.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.core.spi.RunContext;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.nlp.BertBatch;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertEncoder;
import dev.graft.nlp.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT as an opaque TensorFlow SavedModel: its own graph runs frozen, as a trusted SavedModel
 * (the provider creates it only with the option {@code trusted=true}), inside {@link #encode}, and
 * the network sees its pooled output as an input. Only strategies that keep the backbone frozen
 * make sense with it (it has no blocks to cut).
 */
public final class SavedModelBertBackbone implements Backbone, AutoCloseable {
    /** The network input holding the SavedModel's pooled output. */
    public static final String FEATURES_INPUT = "bert_pooled_output";

    private final String name;
    private final Path dir;
    private final int sequenceLength;
    private final int hidden;
    private final BertBackbone.TokenizerSource tokenizerSource;
    private final RunContext context;
    private TextTokenizer tokenizer;
    private SavedModel model;
    private String fingerprint;

    public SavedModelBertBackbone(String name, Path dir, int sequenceLength, int hidden, BertBackbone.TokenizerSource tokenizer,
            RunContext context) {
        this.name = name;
        this.dir = dir;
        this.sequenceLength = sequenceLength;
        this.hidden = hidden;
        this.tokenizerSource = tokenizer;
        this.context = context;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec(FEATURES_INPUT, DType.FLOAT32, Shape.of(-1, hidden)));
    }

    @Override
    public Preprocessing preprocessing() {
        return tokenizerSource.describe();
    }

    @Override
    public List<Block> blocks() {
        return List.of();
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> inputs) {
        // an op of its own, so that a network whose output is the features does not fetch what it feeds
        return b.reshape(inputs.get(FEATURES_INPUT), -1, hidden);
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        List<BertBatch.Sequence> seqs = TextEncoding.tokenize(tokenizer(), batch, name);
        // only the three tensors the signature reads matter; the config just bounds ids and lengths
        BertConfig bounds = BertConfig.bertBaseUncasedGoogle();
        Map<String, HostTensor> t = BertBatch.tensorsOfLength(bounds, seqs, sequenceLength);
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        feed.put("input_ids", t.get(BertEncoder.INPUT_IDS));
        feed.put("input_mask", t.get(BertEncoder.INPUT_MASK));
        feed.put("segment_ids", t.get(BertEncoder.SEGMENT_IDS));
        HostTensor pooled = savedModel().run("serving_default", feed, List.of("pooled_output")).get("pooled_output");
        return Map.of(FEATURES_INPUT, pooled);
    }

    private synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = tokenizerSource.open();
            } catch (IOException e) {
                throw new UncheckedIOException("backbone '" + name + "': cannot load its tokenizer: " + e.getMessage(), e);
            }
        }
        return tokenizer;
    }

    /** The opened SavedModel (on the first engine that can open SavedModels, the default one first). */
    public synchronized SavedModel savedModel() {
        if (model == null) {
            // created only with the backbone option trusted=true (NlpBackboneProvider): running a SavedModel runs its code
            model = savedModelEngine(context).openSavedModel(dir, "serve", SavedModelOptions.trustedModel());
        }
        return model;
    }

    /**
     * The engine that runs the SavedModel: the chosen engine if it can. Another engine is never
     * created beside the chosen one (two native runtimes in one process can abort it); the error
     * names the engines that can.
     */
    static Engine savedModelEngine(RunContext context) {
        if (context == null) {
            throw new EngineException("the opaque SavedModel backbone runs on the run's engine; create it with a run context "
                    + "(through Graft, a Pipeline or backbones.create(name, options, context))");
        }
        try {
            return context.engineWith(Engine.Capability.SAVED_MODEL, "the opaque SavedModel backbone");
        } catch (EngineException e) {
            throw new EngineException(e.getMessage() + "; it runs on the tensorflow engine (graft-engine-tensorflow), "
                    + "or use bert-base-uncased (the same weights imported into Graft's BERT), which runs on every engine");
        }
    }

    @Override
    public Map<String, HostTensor> weights() {
        return Map.of();
    }

    /** Pretrained: its weights live in the SavedModel's own graph, not in {@link #weights()}. */
    @Override
    public boolean pretrained() {
        return true;
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                fingerprint = Digests.sha256(name, preprocessing().canonical(),
                        Digests.sha256(dir.resolve("saved_model.pb")), Digests.sha256(dir.resolve("variables/variables.index")));
            } catch (IOException e) {
                throw new UncheckedIOException("backbone '" + name + "': cannot digest " + dir + ": " + e.getMessage(), e);
            }
        }
        return fingerprint;
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
        }
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }
}
