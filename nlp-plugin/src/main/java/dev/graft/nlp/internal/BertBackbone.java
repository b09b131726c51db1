package dev.graft.nlp.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.nlp.BertBatch;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertEncoder;
import dev.graft.nlp.ImportReport;
import dev.graft.nlp.TextTokenizer;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Graft's own BERT or RoBERTa: the encoder defined on the engine-neutral ops (so every strategy
 * can train any block), its tokenizer, and weights loaded lazily on first use.
 */
public final class BertBackbone implements Backbone, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BertBackbone.class.getName());

    /** Loads weights (full parameter names under {@code backbone.}) and says what it did. */
    public interface WeightSource {
        /** Weights and their import report. */
        Loaded load() throws java.io.IOException;

        /** A cheap, stable digest of the weights (e.g. of the checkpoint index with its per-tensor CRCs). */
        String digest() throws java.io.IOException;
    }

    /** Loaded weights. */
    public record Loaded(Map<String, HostTensor> weights, ImportReport report) {
    }

    private final String name;
    private final BertConfig config;
    private final TokenizerSource tokenizerSource;
    private final WeightSource weightSource;
    private final int padToMultipleOf;
    private TextTokenizer tokenizer;
    private Loaded loaded;
    private String fingerprint;

    /** Supplies the tokenizer on first use (native library loading is deferred). */
    public interface TokenizerSource {
        TextTokenizer open() throws java.io.IOException;

        /** What the tokenizer is, for {@link Preprocessing}: kind, casing, vocabulary digest, maximum length. */
        Preprocessing describe();
    }

    public BertBackbone(String name, BertConfig config, TokenizerSource tokenizer, WeightSource weights, int padToMultipleOf) {
        this.name = name;
        this.config = config;
        this.tokenizerSource = tokenizer;
        this.weightSource = weights;
        this.padToMultipleOf = padToMultipleOf;
    }

    public BertConfig config() {
        return config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<InputSpec> inputs() {
        return BertEncoder.inputs(config);
    }

    @Override
    public Preprocessing preprocessing() {
        return tokenizerSource.describe();
    }

    @Override
    public List<Block> blocks() {
        return BertEncoder.blocks(config, "");
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> inputs) {
        return BertEncoder.build(b, config, inputs).pooled();
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        return BertBatch.tensors(config, TextEncoding.tokenize(tokenizer(), batch, name), padToMultipleOf);
    }

    /** The tokenizer, opened on first use. */
    public synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = tokenizerSource.open();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot load its tokenizer: " + e.getMessage(), e);
            }
        }
        return tokenizer;
    }

    @Override
    public synchronized Map<String, HostTensor> weights() {
        return load().weights();
    }

    /** What the weight import did (empty report for a randomly initialised backbone). */
    public synchronized ImportReport importReport() {
        return load().report();
    }

    private Loaded load() {
        if (loaded == null) {
            try {
                loaded = weightSource.load();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot read its weights: " + e.getMessage(), e);
            }
            LOG.fine(() -> loaded.report().describe());
        }
        return loaded;
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                fingerprint = Digests.sha256(name, config.toString(), preprocessing().canonical(), weightSource.digest());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot digest its weights: " + e.getMessage(), e);
            }
        }
        return fingerprint;
    }

    @Override
    public synchronized void close() {
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }
}
