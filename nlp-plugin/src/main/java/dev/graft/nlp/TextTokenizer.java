package dev.graft.nlp;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer run by DJL's native {@code tokenizers} library, truncating to a maximum
 * length (longest-first for pairs) and adding the model's special tokens. Built from a
 * {@code tokenizer.json}, from BERT's {@code vocab.txt} alone, or from RoBERTa's {@code vocab.json}
 * and {@code merges.txt}: the last two by generating the equivalent {@code tokenizer.json}.
 *
 * <p>Text that spells a special token ({@code [SEP]}, {@code [CLS]}, {@code [MASK]}, {@code <s>}, ...) is
 * plain text by default and is split like any other text, as Google's reference tokenizer that BERT was
 * pretrained with does: a user's "[SEP]" does not become a segment separator. Callers who mark segments
 * in their text on purpose choose {@link SpecialTokensInText#RECOGNISED}, through
 * {@link #withSpecialTokensInText} or, as the default for every tokenizer in the JVM, the system property
 * {@value #SPECIAL_TOKENS_PROPERTY}{@code =recognised}.
 *
 * <p>Thread-safe; close it to free the native tokenizer.
 */
public final class TextTokenizer implements AutoCloseable {
    /** System property giving the default {@link SpecialTokensInText}: {@code plain} (the default) or {@code recognised}. */
    public static final String SPECIAL_TOKENS_PROPERTY = "graft.tokenizer.specialTokensInText";

    /** What text that spells a special token becomes. */
    public enum SpecialTokensInText {
        /** Split like any other text ({@code [SEP]} becomes {@code [}, {@code sep}, {@code ]}); the default. */
        PLAIN_TEXT,
        /** The special token itself, for text that marks segments or masks on purpose. */
        RECOGNISED
    }

    private final HuggingFaceTokenizer tokenizer;
    private final String kind;
    private final int maxLength;
    private final String definition;
    private final SpecialTokensInText specialTokens;
    private final String json;
    private final java.util.concurrent.atomic.AtomicLong truncated = new java.util.concurrent.atomic.AtomicLong();

    private TextTokenizer(String definition, String kind, int maxLength) {
        this(definition, kind, maxLength, defaultSpecialTokens());
    }

    private TextTokenizer(String definition, String kind, int maxLength, SpecialTokensInText specialTokens) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maximum length must be at least 2 tokens, got " + maxLength);
        }
        this.definition = definition;
        this.specialTokens = java.util.Objects.requireNonNull(specialTokens, "specialTokens");
        this.json = specialTokens == SpecialTokensInText.RECOGNISED ? definition : TokenizerJson.plainText(definition);
        this.kind = kind;
        this.maxLength = maxLength;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                    Map.of("truncation", "true", "padding", "false", "maxLength", Integer.toString(maxLength),
                            "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not load " + kind + " tokenizer: " + e.getMessage(), e);
        }
    }

    private static SpecialTokensInText defaultSpecialTokens() {
        String v = System.getProperty(SPECIAL_TOKENS_PROPERTY, "plain").strip().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "plain", "plain_text", "plain-text" -> SpecialTokensInText.PLAIN_TEXT;
            case "recognised", "recognized" -> SpecialTokensInText.RECOGNISED;
            default -> throw new IllegalArgumentException("system property " + SPECIAL_TOKENS_PROPERTY
                    + " must be plain or recognised, got '" + v + "'");
        };
    }

    /** A {@code tokenizer.json} as written by Hugging Face {@code tokenizers}. */
    public static TextTokenizer fromTokenizerJson(Path file, int maxLength) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            JsonParser.parseString(text).getAsJsonObject().getAsJsonObject("model");
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a tokenizer.json: " + e.getMessage(), e);
        }
        return new TextTokenizer(text, "tokenizer.json", maxLength);
    }

    /** BERT WordPiece from {@code vocab.txt} (one token per line, id = line number). */
    public static TextTokenizer wordPiece(Path vocabTxt, boolean lowerCase, int maxLength) throws IOException {
        List<String> vocab = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
        return new TextTokenizer(TokenizerJson.wordPiece(vocabTxt.toString(), vocab, lowerCase), "wordpiece", maxLength);
    }

    /** RoBERTa / GPT-2 byte-level BPE from {@code vocab.json} and {@code merges.txt}. */
    public static TextTokenizer byteLevelBpe(Path vocabJson, Path mergesTxt, int maxLength) throws IOException {
        JsonObject vocab;
        try {
            vocab = JsonParser.parseString(Files.readString(vocabJson, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(vocabJson + " is not a JSON object of token ids: " + e.getMessage(), e);
        }
        List<String> merges = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
        return new TextTokenizer(TokenizerJson.byteLevelBpe(vocabJson.toString(), vocab, mergesTxt.toString(), merges),
                "byte-level-bpe", maxLength);
    }

    /** Same vocabulary and rules with another maximum length. */
    public TextTokenizer withMaxLength(int newMaxLength) {
        return new TextTokenizer(definition, kind, newMaxLength, specialTokens);
    }

    /** Same vocabulary and rules, reading text that spells a special token as {@code mode} says. */
    public TextTokenizer withSpecialTokensInText(SpecialTokensInText mode) {
        return new TextTokenizer(definition, kind, maxLength, mode);
    }

    /**
     * Same vocabulary and rules, with {@code prefix} put before every text (before the first text of a pair):
     * for models trained on marked texts, such as e5's {@code "query: "}. The prefix is tokenized once, as
     * text, and becomes part of the tokenizer's post-processor, so {@link #tokenizerJson()} carries it to
     * clients; encoding {@code t} gives the ids that encoding {@code prefix + t} gives without it, truncation
     * included. An empty prefix returns this tokenizer.
     */
    public TextTokenizer withPrefix(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        Encoding e = tokenizer.encode(prefix, false, false);
        long[] ids = e.getIds();
        if (ids.length == 0) {
            throw new IllegalArgumentException("text prefix '" + prefix + "' has no tokens");
        }
        if (ids.length + tokens("").size() >= maxLength) {
            throw new IllegalArgumentException("text prefix '" + prefix + "' (" + ids.length + " tokens) leaves no room for text in "
                    + maxLength + " tokens");
        }
        return new TextTokenizer(TokenizerJson.withPrefix(definition, prefix, List.of(e.getTokens()), ids), kind, maxLength,
                specialTokens);
    }

    /** What text that spells a special token becomes with this tokenizer. */
    public SpecialTokensInText specialTokensInText() {
        return specialTokens;
    }

    /** Ids (with special tokens) and segment ids of one text, truncated to {@link #maxLength()}. */
    public BertBatch.Sequence encode(String text) {
        return sequence(tokenizer.encode(text));
    }

    /** Whether {@code text} is longer than {@link #maxLength()} tokens (special tokens included). */
    public boolean truncates(String text) {
        return tokenizer.encode(text).exceedMaxLength();
    }

    /** Tokens {@link #encode(String)} gives for {@code text} (special tokens included, after truncation); not counted as truncated. */
    public int length(String text) {
        return tokenizer.encode(text).getIds().length;
    }

    /** Tokens {@link #encode(String, String)} gives for the pair; not counted as truncated. */
    public int length(String first, String second) {
        return tokenizer.encode(first, second).getIds().length;
    }

    /** Texts and text pairs cut to {@link #maxLength()} by this tokenizer so far. */
    public long truncatedCount() {
        return truncated.get();
    }

    /** A sentence pair: {@code [CLS] a [SEP] b [SEP]} (or the model's equivalent), longest-first truncation. */
    public BertBatch.Sequence encode(String first, String second) {
        return sequence(tokenizer.encode(first, second));
    }

    private BertBatch.Sequence sequence(Encoding e) {
        if (e.exceedMaxLength()) {
            truncated.incrementAndGet();
        }
        return toSequence(e);
    }

    /** The tokens of one text, special tokens included. */
    public List<String> tokens(String text) {
        return List.of(tokenizer.encode(text).getTokens());
    }

    private static BertBatch.Sequence toSequence(Encoding e) {
        long[] ids = e.getIds();
        long[] types = e.getTypeIds();
        int[] a = new int[ids.length];
        int[] b = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            a[i] = Math.toIntExact(ids[i]);
            b[i] = Math.toIntExact(types[i]);
        }
        return new BertBatch.Sequence(a, b);
    }

    public int maxLength() {
        return maxLength;
    }

    /** {@code wordpiece}, {@code byte-level-bpe} or {@code tokenizer.json}. */
    public String kind() {
        return kind;
    }

    /**
     * The tokenizer definition in {@code tokenizer.json} form as it runs (stable text, for fingerprints; with
     * {@link SpecialTokensInText#PLAIN_TEXT} it lists no special added tokens).
     */
    public String tokenizerJson() {
        return json;
    }

    /** The id of {@code token} in the vocabulary, or -1. */
    public int tokenId(String token) {
        JsonElement model = JsonParser.parseString(json).getAsJsonObject().get("model");
        JsonElement vocab = model.getAsJsonObject().get("vocab");
        if (vocab != null && vocab.isJsonObject() && vocab.getAsJsonObject().has(token)) {
            return vocab.getAsJsonObject().get(token).getAsInt();
        }
        JsonArray added = JsonParser.parseString(definition).getAsJsonObject().getAsJsonArray("added_tokens");
        if (added != null) {
            for (JsonElement a : added) {
                if (a.getAsJsonObject().get("content").getAsString().equals(token)) {
                    return a.getAsJsonObject().get("id").getAsInt();
                }
            }
        }
        return -1;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
