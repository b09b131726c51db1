package dev.graft.nlp;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Writes the {@code tokenizer.json} that Hugging Face's own converters produce for BERT and RoBERTa. */
final class TokenizerJson {
    private TokenizerJson() {
    }

    /** BERT: BertNormalizer (lower-casing strips accents too), BertPreTokenizer, WordPiece, [CLS] A [SEP] B [SEP]. */
    static String wordPiece(String source, List<String> lines, boolean lowerCase) {
        JsonObject vocab = new JsonObject();
        for (int i = 0; i < lines.size(); i++) {
            String token = lines.get(i).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": empty vocabulary line");
            }
            if (vocab.has(token)) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": token '" + token + "' appears twice");
            }
            vocab.addProperty(token, i);
        }
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.has(special)) {
                throw new IllegalArgumentException(source + " has no " + special + " token; not a BERT vocab.txt");
            }
        }
        JsonObject root = header();
        JsonArray added = new JsonArray();
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            if (vocab.has(special)) {
                added.add(addedToken(vocab.get(special).getAsInt(), special));
            }
        }
        root.add("added_tokens", added);
        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", JsonNull.INSTANCE);
        normalizer.addProperty("lowercase", lowerCase);
        root.add("normalizer", normalizer);
        root.add("pre_tokenizer", type("BertPreTokenizer"));
        int cls = vocab.get("[CLS]").getAsInt();
        int sep = vocab.get("[SEP]").getAsInt();
        JsonObject post = type("TemplateProcessing");
        post.add("single", template(List.of("[CLS]", "A", "[SEP]"), List.of(0, 0, 0)));
        post.add("pair", template(List.of("[CLS]", "A", "[SEP]", "B", "[SEP]"), List.of(0, 0, 0, 1, 1)));
        JsonObject specials = new JsonObject();
        specials.add("[CLS]", special("[CLS]", cls));
        specials.add("[SEP]", special("[SEP]", sep));
        post.add("special_tokens", specials);
        root.add("post_processor", post);
        JsonObject decoder = type("WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);
        root.add("decoder", decoder);
        JsonObject model = type("WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        model.add("vocab", vocab);
        root.add("model", model);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(root);
    }

    /** RoBERTa: ByteLevel pre-tokenizer and decoder, BPE, {@code <s> A </s></s> B </s>}. */
    static String byteLevelBpe(String vocabSource, JsonObject vocab, String mergesSource, List<String> mergeLines) {
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(vocabSource + ": token '" + e.getKey() + "' has no integer id");
            }
        }
        for (String special : List.of("<s>", "</s>")) {
            if (!vocab.has(special)) {
                throw new IllegalArgumentException(vocabSource + " has no " + special + " token; not a RoBERTa vocab.json");
            }
        }
        JsonArray merges = new JsonArray();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < mergeLines.size(); i++) {
            String line = mergeLines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 2) {
                throw new IllegalArgumentException(mergesSource + ":" + (i + 1) + ": a merge is two tokens separated by one space, got '"
                        + line + "'");
            }
            if (!vocab.has(parts[0] + parts[1])) {
                throw new IllegalArgumentException(mergesSource + ":" + (i + 1) + ": merge result '" + parts[0] + parts[1]
                        + "' is not in " + vocabSource);
            }
            if (seen.add(line)) {
                merges.add(line);
            }
        }
        JsonObject root = header();
        JsonArray added = new JsonArray();
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>")) {
            if (vocab.has(special)) {
                added.add(addedToken(vocab.get(special).getAsInt(), special));
            }
        }
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        JsonObject pre = type("ByteLevel");
        pre.addProperty("add_prefix_space", false);
        pre.addProperty("trim_offsets", true);
        pre.addProperty("use_regex", true);
        root.add("pre_tokenizer", pre);
        JsonObject post = type("RobertaProcessing");
        post.add("sep", pair("</s>", vocab.get("</s>").getAsInt()));
        post.add("cls", pair("<s>", vocab.get("<s>").getAsInt()));
        post.addProperty("trim_offsets", true);
        post.addProperty("add_prefix_space", false);
        root.add("post_processor", post);
        JsonObject decoder = type("ByteLevel");
        decoder.addProperty("add_prefix_space", true);
        decoder.addProperty("trim_offsets", true);
        decoder.addProperty("use_regex", true);
        root.add("decoder", decoder);
        JsonObject model = type("BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", vocab.has("<unk>") ? new com.google.gson.JsonPrimitive("<unk>") : JsonNull.INSTANCE);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.add("vocab", vocab);
        model.add("merges", merges);
        root.add("model", model);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(root);
    }

    /**
     * The same tokenizer with its special added tokens ({@code [CLS]}, {@code [SEP]}, {@code [MASK]},
     * {@code <s>}, ...) no longer matched in input text, so text that spells one is split like any other
     * text, as Google's reference BERT tokenizer does. The post-processor still adds the real special
     * tokens by id; non-special added tokens stay.
     */
    static String plainText(String json) {
        JsonObject root = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        JsonElement added = root.get("added_tokens");
        if (added == null || !added.isJsonArray()) {
            return json;
        }
        JsonArray kept = new JsonArray();
        for (JsonElement a : added.getAsJsonArray()) {
            JsonElement special = a.isJsonObject() ? a.getAsJsonObject().get("special") : null;
            if (special == null || !special.isJsonPrimitive() || !special.getAsBoolean()) {
                kept.add(a);
            }
        }
        if (kept.size() == added.getAsJsonArray().size()) {
            return json;
        }
        root.add("added_tokens", kept);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(root);
    }

    /**
     * The same tokenizer with {@code tokens} (ids {@code ids}) put before the first text of every input, as
     * one more special entry of its {@code TemplateProcessing} post-processor keyed {@code key}: encoding
     * {@code text} then gives what encoding the prefix's text followed by {@code text} gives, and a client
     * that runs this {@code tokenizer.json} gets the prefix without knowing of it. Truncation leaves room
     * for the prefix as it does for {@code [CLS]} and {@code [SEP]}.
     */
    static String withPrefix(String json, String key, List<String> tokens, long[] ids) {
        JsonObject root = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        JsonElement post = root.get("post_processor");
        String type = post != null && post.isJsonObject() && post.getAsJsonObject().has("type")
                ? post.getAsJsonObject().get("type").getAsString() : "none";
        if (!type.equals("TemplateProcessing")) {
            throw new IllegalArgumentException("a text prefix needs a tokenizer whose post_processor is TemplateProcessing; "
                    + "this one's is " + type);
        }
        JsonObject p = post.getAsJsonObject();
        JsonObject specials = p.has("special_tokens") && p.get("special_tokens").isJsonObject()
                ? p.getAsJsonObject("special_tokens") : new JsonObject();
        if (specials.has(key)) {
            throw new IllegalArgumentException("the tokenizer already has a special entry named '" + key + "'");
        }
        JsonObject entry = new JsonObject();
        entry.addProperty("id", key);
        JsonArray idArray = new JsonArray();
        for (long id : ids) {
            idArray.add(id);
        }
        JsonArray tokenArray = new JsonArray();
        tokens.forEach(tokenArray::add);
        entry.add("ids", idArray);
        entry.add("tokens", tokenArray);
        specials.add(key, entry);
        p.add("special_tokens", specials);
        for (String t : new String[] {"single", "pair"}) {
            if (p.has(t) && p.get(t).isJsonArray()) {
                p.add(t, prefixed(p.getAsJsonArray(t), key, t));
            }
        }
        return new GsonBuilder().disableHtmlEscaping().create().toJson(root);
    }

    /** {@code template} with a special item {@code key} before its first sequence, of that sequence's type id. */
    private static JsonArray prefixed(JsonArray template, String key, String which) {
        JsonArray out = new JsonArray();
        boolean done = false;
        for (JsonElement item : template) {
            JsonObject seq = item.isJsonObject() && item.getAsJsonObject().has("Sequence")
                    ? item.getAsJsonObject().getAsJsonObject("Sequence") : null;
            if (!done && seq != null) {
                JsonObject inner = new JsonObject();
                inner.addProperty("id", key);
                inner.addProperty("type_id", seq.has("type_id") ? seq.get("type_id").getAsInt() : 0);
                JsonObject special = new JsonObject();
                special.add("SpecialToken", inner);
                out.add(special);
                done = true;
            }
            out.add(item);
        }
        if (!done) {
            throw new IllegalArgumentException("the tokenizer's " + which + " template has no text sequence to put a prefix before");
        }
        return out;
    }

    private static JsonObject header() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        return root;
    }

    private static JsonObject type(String t) {
        JsonObject o = new JsonObject();
        o.addProperty("type", t);
        return o;
    }

    private static JsonObject addedToken(int id, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("content", content);
        o.addProperty("single_word", false);
        o.addProperty("lstrip", false);
        o.addProperty("rstrip", false);
        o.addProperty("normalized", false);
        o.addProperty("special", true);
        return o;
    }

    private static JsonArray template(List<String> parts, List<Integer> types) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < parts.size(); i++) {
            JsonObject inner = new JsonObject();
            JsonObject item = new JsonObject();
            boolean seq = parts.get(i).equals("A") || parts.get(i).equals("B");
            inner.addProperty("id", parts.get(i));
            inner.addProperty("type_id", types.get(i));
            item.add(seq ? "Sequence" : "SpecialToken", inner);
            a.add(item);
        }
        return a;
    }

    private static JsonObject special(String token, int id) {
        JsonObject o = new JsonObject();
        o.addProperty("id", token);
        JsonArray ids = new JsonArray();
        ids.add(id);
        o.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(token);
        o.add("tokens", tokens);
        return o;
    }

    private static JsonArray pair(String token, int id) {
        JsonArray a = new JsonArray();
        a.add(token);
        a.add(id);
        return a;
    }
}
