package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A text prefix carried by the tokenizer's post-processor gives what prefixing the text gives. */
class TextPrefixTest {
    static final String LONG = "a very long package description that goes on and on about libraries, tools, daemons, "
            + "bindings, headers and documentation for the GNU system and many other things besides";

    @Test
    void prefixedTokenizerEncodesAsTheTextWithThePrefixIncludingTruncation() throws Exception {
        List<String> texts = new ArrayList<>(TextTokenizerTest.HARD);
        texts.add(LONG);
        texts.add("");
        for (int max : new int[] {16, 128}) {
            try (TextTokenizer plain = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, max);
                    TextTokenizer prefixed = plain.withPrefix("query: ")) {
                for (String t : texts) {
                    assertThat(TextTokenizerTest.ids(prefixed.encode(t))).as(max + ": " + t)
                            .isEqualTo(TextTokenizerTest.ids(plain.encode("query: " + t)));
                    assertThat(prefixed.encode(t).typeIds()).as(t).isEqualTo(plain.encode("query: " + t).typeIds());
                }
                assertThat(prefixed.tokens("hello")).containsExactly("[CLS]", "query", ":", "hello", "[SEP]");
                assertThat(TextTokenizerTest.ids(prefixed.encode("first part", "second")))
                        .isEqualTo(TextTokenizerTest.ids(plain.encode("query: first part", "second")));
            }
        }
    }

    @Test
    void exportedTokenizerJsonCarriesThePrefixToAPlainTokenizer() throws Exception {
        try (TextTokenizer plain = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 32);
                TextTokenizer prefixed = plain.withPrefix("passage: ");
                HuggingFaceTokenizer client = HuggingFaceTokenizer.newInstance(
                        new ByteArrayInputStream(prefixed.tokenizerJson().getBytes(StandardCharsets.UTF_8)),
                        Map.of("truncation", "true", "padding", "false", "maxLength", "32", "addSpecialTokens", "true"))) {
            for (String t : List.of("Library for reading PNG images", LONG)) {
                long[] want = Arrays.stream(plain.encode("passage: " + t).ids()).asLongStream().toArray();
                assertThat(client.encode(t).getIds()).as(t).containsExactly(want);
            }
        }
    }

    @Test
    void emptyPrefixIsTheSameTokenizer() throws Exception {
        try (TextTokenizer plain = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 16)) {
            assertThat(plain.withPrefix("")).isSameAs(plain);
        }
    }

    @Test
    void refusesPrefixThatLeavesNoRoomForText() throws Exception {
        try (TextTokenizer plain = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 5)) {
            assertThatThrownBy(() -> plain.withPrefix("one two three")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("text prefix 'one two three' (3 tokens) leaves no room for text in 5 tokens");
            assertThatThrownBy(() -> plain.withPrefix("   ")).hasMessageContaining("has no tokens");
        }
    }

    @Test
    void refusesTokenizerWithoutTemplatePostProcessor() throws Exception {
        Path vocab = PretrainedBert.vocab();
        String json = TokenizerJson.wordPiece(vocab.toString(), Files.readAllLines(vocab, StandardCharsets.UTF_8), true)
                .replace("\"TemplateProcessing\"", "\"BertProcessing\"");
        assertThatThrownBy(() -> TokenizerJson.withPrefix(json, "q: ", List.of("q", ":"), new long[] {1053, 1024}))
                .hasMessageContaining("post_processor is TemplateProcessing; this one's is BertProcessing");
    }
}
