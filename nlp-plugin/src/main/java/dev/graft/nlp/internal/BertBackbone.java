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
import dev.graft.nlp.BertPooling;
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
        /** Weights and their import report, for an encoder built with or without its pooler. */
        Loaded load(boolean withPooler) throws java.io.IOException;

        /** A cheap, stable digest of the weights (e.g. of the checkpoint index with its per-tensor CRCs). */
        String digest() throws java.io.IOException;

        /**
         * The names {@link #load} would give, known without reading the weights (from a checkpoint's index), or
         * {@code null} when only loading tells.
         */
        default java.util.Set<String> names(boolean withPooler) throws java.io.IOException {
            return null;
        }
    }

    /** Loaded weights. */
    public record Loaded(Map<String, HostTensor> weights, ImportReport report) {
    }

    private final String name;
    private final BertConfig config;
    private final TokenizerSource tokenizerSource;
    private final WeightSource weightSource;
    private final int padToMultipleOf;
    private final BertPooling pooling;
    private final java.util.concurrent.atomic.AtomicLong texts = new java.util.concurrent.atomic.AtomicLong();
    /** Set once the first truncated text has been named in the log (batches may be encoded on several threads at once). */
    private final java.util.concurrent.atomic.AtomicBoolean truncationNamed = new java.util.concurrent.atomic.AtomicBoolean();
    private TextTokenizer tokenizer;
    /** Weights read and not yet handed over by {@link #weights()}. */
    private Loaded pending;
    private ImportReport report;
    private java.util.Set<String> names;
    private String fingerprint;

    /** Supplies the tokenizer on first use (native library loading is deferred). */
    public interface TokenizerSource {
        TextTokenizer open() throws java.io.IOException;

        /** What the tokenizer is, for {@link Preprocessing}: kind, casing, vocabulary digest, maximum length. */
        Preprocessing describe();
    }

    public BertBackbone(String name, BertConfig config, TokenizerSource tokenizer, WeightSource weights, int padToMultipleOf,
            BertPooling pooling) {
        this.name = name;
        this.pooling = pooling;
        this.config = config;
        this.tokenizerSource = tokenizer;
        this.weightSource = weights;
        this.padToMultipleOf = padToMultipleOf;
    }

    public BertConfig config() {
        return config;
    }

    /** How token states become the feature vector. */
    public BertPooling pooling() {
        return pooling;
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
        return BertEncoder.blocks(config, "", pooling.needsPooler());
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> inputs) {
        return pooling.apply(b, config, inputs, BertEncoder.build(b, config, inputs, pooling.needsPooler()));
    }

    /** The tokenizer as a Hugging Face {@code tokenizer.json} (its vocabulary, normalizer and special tokens). */
    @Override
    public Map<String, byte[]> clientFiles() {
        return Map.of("tokenizer.json", tokenizer().tokenizerJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int sequenceLength(Example example) {
        return TextEncoding.length(tokenizer(), example);
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        TextTokenizer tok = tokenizer();
        long before = tok.truncatedCount();
        List<BertBatch.Sequence> seqs = TextEncoding.tokenize(tok, batch, name);
        texts.addAndGet(batch.size());
        long now = tok.truncatedCount();
        if (now > before && !truncationNamed.get()) {
            // the count may have moved with another thread's batch: name a text of this batch, or leave it to that thread
            String first = firstTruncated(tok, batch);
            if (first != null && truncationNamed.compareAndSet(false, true)) {
                LOG.warning(() -> "backbone '" + name + "': texts longer than " + tok.maxLength() + " tokens are truncated (first: "
                        + first + "); the count is logged when the backbone closes");
            }
        }
        // padding to a multiple only helps training (fewer distinct shapes for the gradient graph); an
        // inference batch is padded to its longest sequence exactly: padded positions are masked out of
        // attention and pooling, so the features are the same, and the feature pass, which batches texts
        // of similar length, computes up to a few percent fewer token positions
        return BertBatch.tensors(config, seqs, training ? padToMultipleOf : 1);
    }

    /** The source of the batch's first truncated text, "a text pair" if only pairs can be, null if none was. */
    static String firstTruncated(TextTokenizer tok, List<Example> batch) {
        boolean pairs = false;
        for (Example e : batch) {
            if (e.input() instanceof String s) {
                if (tok.truncates(s)) {
                    return e.source();
                }
            } else {
                pairs = true;
            }
        }
        return pairs ? "a text pair" : null;
    }

    /** Texts encoded so far, and how many of them were cut to the maximum length. */
    public synchronized Truncation truncation() {
        return new Truncation(texts.get(), tokenizer == null ? 0 : tokenizer.truncatedCount(),
                tokenizer == null ? 0 : tokenizer.maxLength());
    }

    /** A count of truncated texts, for logs and reports. */
    public record Truncation(long texts, long truncated, int maxLength) {
        @Override
        public String toString() {
            return truncated + " of " + texts + " texts truncated to " + maxLength + " tokens";
        }
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

    /**
     * The weights, handed over: the backbone keeps their names and import report but not the
     * tensors, which the caller gives to an engine (BERT-Base's 440 MB otherwise stayed on the Java
     * heap for the whole run beside the engine's own copy). A second call reads the file again.
     */
    @Override
    public synchronized Map<String, HostTensor> weights() {
        Map<String, HostTensor> w = load().weights();
        pending = null;
        return w;
    }

    @Override
    public synchronized java.util.Set<String> weightNames() {
        if (names == null) {
            // from the checkpoint's index where it tells them: a run that finds its features cached reads no weights
            java.util.Set<String> known;
            try {
                known = weightSource.names(pooling.needsPooler());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot read its weights: " + e.getMessage(), e);
            }
            if (known != null) {
                names = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(known));
            } else {
                load();
            }
        }
        return names;
    }

    /** What the weight import did (empty report for a randomly initialised backbone). */
    public synchronized ImportReport importReport() {
        if (report == null) {
            load();
        }
        return report;
    }

    private Loaded load() {
        if (pending == null) {
            if (report != null) {
                LOG.fine(() -> "backbone '" + name + "': reading its weights again (they were handed over)");
            }
            try {
                pending = weightSource.load(pooling.needsPooler());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot read its weights: " + e.getMessage(), e);
            }
            report = pending.report();
            names = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(pending.weights().keySet()));
            LOG.fine(() -> report.describe());
        }
        return pending;
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                fingerprint = Digests.sha256(name, config.toString(), preprocessing().canonical(), weightSource.digest(),
                        "pooling=" + pooling.id() + ",normalize=" + pooling.normalize());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("backbone '" + name + "': cannot digest its weights: " + e.getMessage(), e);
            }
        }
        return fingerprint;
    }

    @Override
    public synchronized void close() {
        if (tokenizer != null) {
            if (tokenizer.truncatedCount() > 0) {
                LOG.warning("backbone '" + name + "': " + truncation());
            }
            tokenizer.close();
            tokenizer = null;
        }
    }
}
