package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    static final List<String> HARD = List.of(
            "Hello, world!",
            "Don't stop-believing... (really) \"quoted\" [brackets] & ampersands; semi:colons?",
            "Café crème, naïve façade, Ångström, résumé, ÉCOLE",
            "東京は日本の首都です。北京欢迎你！",
            "Emoji time 😀🎉 and 👍🏽 thumbs",
            "tabs\tand\nnew lines\r\n  double  spaces",
            "unaffable antidisestablishmentarianism 12345.678 $9.99");

    static List<Integer> ids(BertBatch.Sequence s) {
        return Arrays.stream(s.ids()).boxed().toList();
    }

    @Test
    void wordPieceFromVocabTxtMatchesReferenceOnPunctuationAccentsCjkAndEmoji() throws Exception {
        Path vocab = PretrainedBert.vocab();
        WordPieceReference ref = new WordPieceReference(Files.readAllLines(vocab, StandardCharsets.UTF_8), true);
        try (TextTokenizer tok = TextTokenizer.wordPiece(vocab, true, 128)) {
            assertThat(ids(tok.encode("hello world"))).containsExactly(101, 7592, 2088, 102);
            for (String s : HARD) {
                assertThat(ids(tok.encode(s))).as(s).isEqualTo(ref.ids(s));
            }
            assertThat(tok.tokens("Café crème")).containsExactly("[CLS]", "cafe", "cr", "##eme", "[SEP]");
            assertThat(tok.tokens("東京")).containsExactly("[CLS]", "東", "京", "[SEP]");
            assertThat(tok.tokens("😀")).containsExactly("[CLS]", "[UNK]", "[SEP]");
            BertBatch.Sequence pair = tok.encode("first part", "second");
            assertThat(pair.typeIds()).containsExactly(0, 0, 0, 0, 1, 1);
        }
    }

    @Test
    void specialTokenSpellingsInTextAreOrdinaryTextByDefaultLikeGooglesTokenizer() throws Exception {
        Path vocab = PretrainedBert.vocab();
        WordPieceReference ref = new WordPieceReference(Files.readAllLines(vocab, StandardCharsets.UTF_8), true);
        try (TextTokenizer tok = TextTokenizer.wordPiece(vocab, true, 64)) {
            assertThat(tok.specialTokensInText()).isEqualTo(TextTokenizer.SpecialTokensInText.PLAIN_TEXT);
            // '[' = 1031, 'sep' = 19802, ']' = 1033 in BERT-Base uncased
            assertThat(tok.tokens("[SEP]")).containsExactly("[CLS]", "[", "sep", "]", "[SEP]");
            assertThat(ids(tok.encode("[SEP]"))).containsExactly(101, 1031, 19802, 1033, 102);
            for (String s : List.of("a [SEP] b", "[CLS] start", "fill the [MASK] in", "[sep] [Sep]", "x[SEP]y")) {
                assertThat(ids(tok.encode(s))).as(s).isEqualTo(ref.ids(s)).doesNotContain(103)
                        .containsOnlyOnce(101).containsOnlyOnce(102);
            }
            // a pair still gets the real separators, and only those
            BertBatch.Sequence pair = tok.encode("a [SEP] b", "c");
            assertThat(Arrays.stream(pair.ids()).filter(i -> i == 102).count()).isEqualTo(2);
            try (TextTokenizer marked = tok.withSpecialTokensInText(TextTokenizer.SpecialTokensInText.RECOGNISED)) {
                assertThat(marked.tokens("a [SEP] b [MASK]")).containsExactly("[CLS]", "a", "[SEP]", "b", "[MASK]", "[SEP]");
                assertThat(marked.tokenizerJson()).isNotEqualTo(tok.tokenizerJson());
                assertThat(marked.withMaxLength(8).specialTokensInText()).isEqualTo(TextTokenizer.SpecialTokensInText.RECOGNISED);
            }
        }
    }

    @Test
    void byteLevelBpeReadsSpecialTokenSpellingsAsTextByDefault(@TempDir Path dir) throws Exception {
        Path[] files = writeBpe(dir, List.of("h e"));
        try (TextTokenizer tok = TextTokenizer.byteLevelBpe(files[0], files[1], 32);
                TextTokenizer marked = tok.withSpecialTokensInText(TextTokenizer.SpecialTokensInText.RECOGNISED)) {
            assertThat(tok.tokens("he</s>")).containsExactly("<s>", "he", "<", "/", "s", ">", "</s>");
            assertThat(marked.tokens("he</s>")).containsExactly("<s>", "he", "</s>", "</s>");
        }
    }

    @Test
    void truncatesOverLongInputToMaxLengthKeepingSpecialTokens() throws Exception {
        try (TextTokenizer tok = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 16)) {
            String longText = "word ".repeat(500);
            BertBatch.Sequence s = tok.encode(longText);
            assertThat(s.ids()).hasSize(16);
            assertThat(s.ids()[0]).isEqualTo(101);
            assertThat(s.ids()[15]).isEqualTo(102);
            BertBatch.Sequence pair = tok.encode("short one", longText);
            assertThat(pair.ids()).hasSize(16);
            // longest-first: the short first sentence survives whole
            assertThat(Arrays.copyOfRange(pair.ids(), 0, 4)).containsExactly(101, 2460, 2028, 102);
            assertThat(tok.withMaxLength(8).encode(longText).ids()).hasSize(8);
        }
    }

    @Test
    void tokenizerJsonLoadsDirectly(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tokenizer.json");
        try (TextTokenizer tok = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 64)) {
            Files.writeString(json, tok.tokenizerJson());
            try (TextTokenizer again = TextTokenizer.fromTokenizerJson(json, 64)) {
                for (String s : HARD) {
                    assertThat(ids(again.encode(s))).isEqualTo(ids(tok.encode(s)));
                }
                assertThat(again.tokenId("[MASK]")).isEqualTo(103);
            }
        }
        Files.writeString(dir.resolve("bad.json"), "[1, 2]");
        assertThatThrownBy(() -> TextTokenizer.fromTokenizerJson(dir.resolve("bad.json"), 64))
                .hasMessageContaining("bad.json is not a tokenizer.json");
    }

    @Test
    void casedWordPieceKeepsCaseAndAccents(@TempDir Path dir) throws Exception {
        List<String> lines = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Café", "café", "cafe", "!", "##s");
        Path vocab = dir.resolve("vocab.txt");
        Files.write(vocab, lines);
        try (TextTokenizer cased = TextTokenizer.wordPiece(vocab, false, 32);
                TextTokenizer uncased = TextTokenizer.wordPiece(vocab, true, 32)) {
            assertThat(ids(cased.encode("Café Cafés café!"))).isEqualTo(new WordPieceReference(lines, false).ids("Café Cafés café!"))
                    .containsExactly(2, 5, 5, 9, 6, 8, 3);
            assertThat(ids(uncased.encode("Café café!"))).containsExactly(2, 7, 7, 8, 3);
        }
    }

    @Test
    void rejectsVocabWithoutSpecialTokens(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.txt");
        Files.write(vocab, List.of("a", "b"));
        assertThatThrownBy(() -> TextTokenizer.wordPiece(vocab, true, 8)).hasMessageContaining("has no [PAD] token");
    }

    /** A small byte-level BPE vocabulary: specials, the 256 byte symbols, and the merges' results. */
    static Path[] writeBpe(Path dir, List<String> merges) throws Exception {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            vocab.put(s, vocab.size());
        }
        for (String c : ByteLevelBpeReference.byteChars()) {
            vocab.putIfAbsent(c, vocab.size());
        }
        for (String m : merges) {
            vocab.putIfAbsent(m.replace(" ", ""), vocab.size());
        }
        vocab.put("<mask>", vocab.size());
        JsonObject o = new JsonObject();
        vocab.forEach(o::addProperty);
        Path v = dir.resolve("vocab.json");
        Path m = dir.resolve("merges.txt");
        Files.writeString(v, o.toString());
        List<String> lines = new ArrayList<>();
        lines.add("#version: 0.2");
        lines.addAll(merges);
        Files.write(m, lines);
        return new Path[] {v, m};
    }

    @Test
    void byteLevelBpeMatchesReference(@TempDir Path dir) throws Exception {
        List<String> merges = List.of("h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d",
                "Ġ t", "Ġt he", "i n", "in g", "Ġ s", "Ġs in", "Ġsin g", "Ġsing ing", "Ã ©", "c af", "Ġ c", "a f",
                "Ġc af", "Ġcaf Ã©", "ð Ł");
        Path[] files = writeBpe(dir, merges);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        com.google.gson.JsonParser.parseString(Files.readString(files[0])).getAsJsonObject().entrySet()
                .forEach(e -> vocab.put(e.getKey(), e.getValue().getAsInt()));
        ByteLevelBpeReference ref = new ByteLevelBpeReference(vocab, merges);
        try (TextTokenizer tok = TextTokenizer.byteLevelBpe(files[0], files[1], 64)) {
            for (String s : List.of("hello world", "Hello, the singing world!", "the café 東京 😀 don't", "  spaced   out ")) {
                assertThat(ids(tok.encode(s))).as(s).isEqualTo(ref.ids(s));
            }
            assertThat(ids(tok.encode("hello world"))).containsExactly(0, vocab.get("hello"), vocab.get("Ġworld"), 2);
            BertBatch.Sequence pair = tok.encode("hello", "world");
            assertThat(ids(pair)).containsExactly(0, vocab.get("hello"), 2, 2, vocab.get("world") == null
                    ? vocab.get("w") : vocab.get("world"), vocab.get("or"), vocab.get("l"), vocab.get("d"), 2);
            assertThat(tok.encode("x".repeat(300)).ids()).hasSize(64);
        }
    }

    @Test
    void bpeRejectsMergeWhoseResultIsNotInVocab(@TempDir Path dir) throws Exception {
        Path[] files = writeBpe(dir, List.of("h e"));
        Files.write(files[1], List.of("#version: 0.2", "h e", "x y"));
        assertThatThrownBy(() -> TextTokenizer.byteLevelBpe(files[0], files[1], 16))
                .hasMessageContaining("merges.txt:3: merge result 'xy' is not in");
    }
}
