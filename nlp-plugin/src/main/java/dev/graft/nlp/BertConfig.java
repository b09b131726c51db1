package dev.graft.nlp;

/**
 * The shape of a BERT-family encoder. RoBERTa is the same network with other sizes, no token-type
 * vocabulary worth speaking of, and positions counted from {@code padId + 1}.
 *
 * @param family           {@code bert} or {@code roberta} (which weight names to expect)
 * @param layers           transformer layers
 * @param hidden           hidden size
 * @param heads            attention heads (must divide {@code hidden})
 * @param intermediate     feed-forward inner size
 * @param vocabSize        word-piece vocabulary size
 * @param maxPositions     rows of the position table (512 for BERT, 514 for RoBERTa)
 * @param typeVocabSize    rows of the token-type table (2 for BERT, 1 for RoBERTa)
 * @param layerNormEps     LayerNorm epsilon (1e-12 BERT, 1e-5 RoBERTa)
 * @param padId            id of the padding token (0 BERT, 1 RoBERTa)
 * @param positionOffset   position id of the first token (0 BERT, padId + 1 = 2 RoBERTa)
 * @param activation       the feed-forward activation the weights were trained with
 * @param hiddenDropout    dropout on embeddings and sublayer outputs while training
 * @param attentionDropout dropout on attention probabilities while training
 */
public record BertConfig(String family, int layers, int hidden, int heads, int intermediate, int vocabSize,
        int maxPositions, int typeVocabSize, double layerNormEps, int padId, int positionOffset, Activation activation,
        double hiddenDropout, double attentionDropout) {

    /** Feed-forward activations found in BERT-family weights. */
    public enum Activation {
        /** Exact GELU, x * (1 + erf(x / sqrt 2)) / 2 (Hugging Face {@code gelu}). */
        GELU,
        /**
         * GELU's tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), used by
         * Google's original BERT code and the TF-Hub BERT-Base graphs (Hugging Face {@code gelu_new}).
         */
        GELU_TANH
    }

    public BertConfig {
        if (!family.equals("bert") && !family.equals("roberta")) {
            throw new IllegalArgumentException("family must be bert or roberta, got '" + family + "'");
        }
        positive("layers", layers);
        positive("hidden", hidden);
        positive("heads", heads);
        positive("intermediate", intermediate);
        positive("vocabSize", vocabSize);
        positive("maxPositions", maxPositions);
        positive("typeVocabSize", typeVocabSize);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not divisible by " + heads + " heads");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
        }
        if (padId < 0 || padId >= vocabSize) {
            throw new IllegalArgumentException("padId " + padId + " outside the vocabulary of " + vocabSize);
        }
        if (positionOffset < 0 || positionOffset >= maxPositions) {
            throw new IllegalArgumentException("positionOffset " + positionOffset + " outside " + maxPositions + " positions");
        }
        if (!(hiddenDropout >= 0 && hiddenDropout < 1) || !(attentionDropout >= 0 && attentionDropout < 1)) {
            throw new IllegalArgumentException("dropout rates must be in [0, 1)");
        }
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, got " + v);
        }
    }

    /** Google's BERT-Base uncased as in the TF-Hub graph (GELU tanh approximation). */
    public static BertConfig bertBaseUncasedGoogle() {
        return new BertConfig("bert", 12, 768, 12, 3072, 30522, 512, 2, 1e-12, 0, 0, Activation.GELU_TANH, 0.1, 0.1);
    }

    /** BERT-Base as published by Hugging Face ({@code bert-base-uncased}: exact GELU). */
    public static BertConfig bertBase(int vocabSize) {
        return new BertConfig("bert", 12, 768, 12, 3072, vocabSize, 512, 2, 1e-12, 0, 0, Activation.GELU, 0.1, 0.1);
    }

    /** RoBERTa-Base ({@code roberta-base}). */
    public static BertConfig robertaBase() {
        return new BertConfig("roberta", 12, 768, 12, 3072, 50265, 514, 1, 1e-5, 1, 2, Activation.GELU, 0.1, 0.1);
    }

    /** A tiny BERT for tests and smoke runs (2 layers, hidden 32, 2 heads). */
    public static BertConfig bertTiny(int vocabSize) {
        return new BertConfig("bert", 2, 32, 2, 64, vocabSize, 512, 2, 1e-12, 0, 0, Activation.GELU, 0.1, 0.1);
    }

    /** Size of one attention head. */
    public int headSize() {
        return hidden / heads;
    }

    /** Longest sequence the position table allows. */
    public int maxSequenceLength() {
        return maxPositions - positionOffset;
    }

    /** The same configuration with other dropout rates. */
    public BertConfig withDropout(double hiddenRate, double attentionRate) {
        return new BertConfig(family, layers, hidden, heads, intermediate, vocabSize, maxPositions, typeVocabSize,
                layerNormEps, padId, positionOffset, activation, hiddenRate, attentionRate);
    }

    /** The same configuration with another layer count (a shallower encoder). */
    public BertConfig withLayers(int n) {
        return new BertConfig(family, n, hidden, heads, intermediate, vocabSize, maxPositions, typeVocabSize,
                layerNormEps, padId, positionOffset, activation, hiddenDropout, attentionDropout);
    }
}
