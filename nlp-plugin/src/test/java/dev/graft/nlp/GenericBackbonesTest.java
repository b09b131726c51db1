package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code bert} and {@code roberta-base} backbones built from user-supplied files. */
class GenericBackbonesTest {
    static final ServiceLoaderBackboneRegistry REGISTRY = new ServiceLoaderBackboneRegistry();
    /** RoBERTa's position numbering (pad id 1, first position 2) on a small encoder. */
    static final BertConfig ROBERTA_POSITIONS = new BertConfig("roberta", 1, 8, 2, 8, 50265, 40, 1, 1e-5, 1, 2,
            BertConfig.Activation.GELU, 0, 0);

    @Test
    void bertReadsItsSizeFromHuggingFaceSafetensorsAndImportsEveryTensor(@TempDir Path dir) throws Exception {
        List<String> vocab = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "!", "##s", "a");
        Path vocabFile = dir.resolve("vocab.txt");
        Files.write(vocabFile, vocab);
        BertConfig c = new BertConfig("bert", 2, 16, 2, 24, vocab.size(), 20, 2, 1e-12, 0, 0, BertConfig.Activation.GELU, 0.1, 0.1);
        Map<String, HostTensor> hf = BertWeightsTest.huggingFaceCheckpoint(c, "bert.", 9);
        Path weights = dir.resolve("model.safetensors");
        SafeTensors.write(weights, hf, Map.of());
        Backbone b = REGISTRY.create("bert", Map.of("weights", weights.toString(), "vocab", vocabFile.toString(), "heads", "2",
                "lowercase", "false", "pooling", "pooler"));
        assertThat(b.blocks()).hasSize(4);
        Map<String, HostTensor> w = b.weights();
        assertThat(w).hasSize(BertWeights.parameterShapes(c, "backbone").size());
        assertThat(w.get("backbone.encoder.layer_1.ffn.output.kernel").shape().dims()).containsExactly(24, 16);
        Map<String, HostTensor> t = b.encode(List.of(new Example("x", "hello worlds!", null)), false, 0);
        assertThat(t.get(BertEncoder.INPUT_IDS).ints()).startsWith(2, 5, 6, 8, 7, 3);
    }

    @Test
    void bertReadsGoogleCheckpointsTooAndDefaultsToTheirTanhGelu() throws Exception {
        Backbone b = REGISTRY.create("bert", Map.of("weights", PretrainedBert.savedModelDir().toString(),
                "vocab", PretrainedBert.vocab().toString(), "layers", "1"));
        // the default pooling (cls) builds no pooler; pooling=pooler builds and imports it
        assertThat(b.blocks()).extracting(bl -> bl.name()).containsExactly("embeddings", "encoder.layer_0");
        assertThat(b.weights()).containsKey("backbone.encoder.layer_0.attention.value.bias").hasSize(5 + 16);
        Backbone withPooler = REGISTRY.create("bert", Map.of("weights", PretrainedBert.savedModelDir().toString(),
                "vocab", PretrainedBert.vocab().toString(), "layers", "1", "pooling", "pooler"));
        assertThat(withPooler.blocks()).extracting(bl -> bl.name()).containsExactly("embeddings", "encoder.layer_0", "pooler");
        assertThat(withPooler.weights()).containsKey("backbone.pooler.kernel").hasSize(5 + 16 + 2);
        assertThat(withPooler.fingerprint()).isNotEqualTo(b.fingerprint());
        assertThat(b.preprocessing().params()).containsEntry("lowercase", "true");
        assertThat(b.fingerprint()).hasSize(64);
    }

    @Test
    void robertaTokenizesWithItsBpeFilesAndCountsPositionsFromPadPlusOne(@TempDir Path dir) throws Exception {
        Path[] bpe = TextTokenizerTest.writeBpe(dir, List.of("h e", "l l", "he ll", "hell o"));
        Backbone b = REGISTRY.create("roberta-base", Map.of("pretrained", "false", "vocab", bpe[0].toString(),
                "merges", bpe[1].toString(), "padToMultipleOf", "1"));
        assertThat(b.weights()).isEmpty();
        Map<String, HostTensor> t = b.encode(List.of(new Example("x", "hello", null), new Example("y", "hell", null)), false, 0);
        int hello;
        try (TextTokenizer tok = TextTokenizer.byteLevelBpe(bpe[0], bpe[1], 16)) {
            hello = TextTokenizerTest.ids(tok.encode("hello")).get(1);
        }
        assertThat(t.get(BertEncoder.INPUT_IDS).ints()).containsExactly(0, hello, 2, 0, hello - 1, 2);
        assertThat(t.get(BertEncoder.INPUT_MASK).ints()).containsExactly(1, 1, 1, 1, 1, 1);
        assertThat(BertEncoderTest.positions(ROBERTA_POSITIONS, t)).containsExactly(2, 3, 4, 2, 3, 4);
        assertThat(b.preprocessing().params()).containsEntry("tokenizer", "byte-level-bpe");
    }
}
