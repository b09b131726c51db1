package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import dev.graft.weights.TensorBundleWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code bert} backbone given a TensorFlow checkpoint ({@code weights=}): its tensors are read
 * only when weights are asked for, so a saved model, which carries its own weights, predicts the
 * same after the checkpoint it was trained from is replaced, even by one whose data cannot be read.
 */
class BertCheckpointWeightsTest {
    static final Graft GRAFT = Graft.create();
    static final int HIDDEN = 16;
    static final int INTERMEDIATE = 24;
    static final int POSITIONS = 40;

    @TempDir
    Path dir;

    @Test
    void savedModelPredictsTheSameAfterItsCheckpointIsReplacedByUnreadableData() throws Exception {
        Path vocab = vocab();
        Path prefix = dir.resolve("ckpt/model.ckpt");
        Files.createDirectories(prefix.getParent());
        googleCheckpoint(vocabSize(vocab), 1).write(prefix);
        Map<String, String> options = Map.of("weights", prefix.toString(), "vocab", vocab.toString(), "heads", "2",
                "dropout", "0", "maxLength", "32");
        PipelineResult r = GRAFT.pipeline().data(TextClassificationTest.SENTIMENT, "csv", Map.of()).backbone("bert", options)
                .strategy("fine-tuning", Map.of("backboneLr", "1e-3")).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(1).withBatchSize(8).withLearningRate(1e-2).withSeed(3)
                        .withValidationFraction(0.25))
                .cacheDir(dir.resolve("cache")).run();
        Path saved = dir.resolve("saved");
        r.model().save(saved);
        List<Example> inputs = List.of(new Example("a", "the film was wonderful", null),
                new Example("b", "the room was dirty and the staff rude", null));
        float[][] before;
        try (Predictor p = GRAFT.predictor(saved, null)) {
            before = p.scores(inputs);
        }

        // the same index (so the same architecture), but data whose every tensor fails its checksum
        Path data = Path.of(prefix + ".data-00000-of-00001");
        byte[] garbage = new byte[(int) Files.size(data)];
        new Random(5).nextBytes(garbage);
        Files.write(data, garbage);
        try (Predictor p = GRAFT.predictor(saved, null)) {
            float[][] after = p.scores(inputs);
            for (int i = 0; i < before.length; i++) {
                assertThat(after[i]).as("scores of input " + i).containsExactly(before[i]);
            }
        }
        // reading the weights themselves would have failed, naming the file
        try (Backbone b = GRAFT.backbones().create("bert", options)) {
            assertThatThrownBy(b::weights).hasMessageContaining(data.toString()).hasMessageContaining("checksum");
        }
    }

    @Test
    void createReadsOnlyTheIndexAndWeightsGiveTheCheckpointsTensors() throws Exception {
        Path vocab = vocab();
        Path prefix = dir.resolve("model.ckpt");
        googleCheckpoint(vocabSize(vocab), 2).write(prefix);
        Files.delete(Path.of(prefix + ".data-00000-of-00001"));
        Map<String, String> options = Map.of("weights", prefix.toString(), "vocab", vocab.toString(), "heads", "2");
        java.util.Set<String> fromIndex;
        try (Backbone b = GRAFT.backbones().create("bert", options)) {
            // the names (a feature cache's key needs them) from the index too: a fully cached run reads no weights
            fromIndex = b.weightNames();
            assertThat(fromIndex).contains("backbone.encoder.layer_1.ffn.intermediate.kernel", "backbone.embeddings.word.embeddings")
                    .noneMatch(n -> n.contains("pooler"));
            assertThat(b.blocks()).hasSize(3); // embeddings and two layers, from the index alone (cls pooling builds no pooler)
            assertThat(b.encode(List.of(new Example("x", "the film", null)), false, 0)).isNotEmpty();
            assertThatThrownBy(b::weights).hasMessageContaining(prefix + ".data-00000-of-00001")
                    .hasMessageContaining("does not exist");
        }
        googleCheckpoint(vocabSize(vocab), 2).write(prefix);
        try (Backbone b = GRAFT.backbones().create("bert", options)) {
            HostTensor k = b.weights().get("backbone.encoder.layer_1.ffn.intermediate.kernel");
            HostTensor expected = tensors(vocabSize(vocab), 2).get("bert/encoder/layer_1/intermediate/dense/kernel");
            assertThat(k.bitEquals(expected)).isTrue();
            assertThat(b.weights().keySet()).isEqualTo(fromIndex);
        }
        try (Backbone b = GRAFT.backbones().create("bert", options)) {
            assertThat(b.weights().keySet()).isEqualTo(fromIndex);
        }
    }

    private Path vocab() throws Exception {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        v.addAll(List.of("the", "film", "was", "wonderful", "room", "dirty", "and", "staff", "rude", "a", "good", "bad", ",",
                ".", "!", "i", "it", "this", "is"));
        Path f = dir.resolve("vocab.txt");
        Files.write(f, v);
        return f;
    }

    private static int vocabSize(Path vocab) throws Exception {
        return Files.readAllLines(vocab).size();
    }

    static TensorBundleWriter googleCheckpoint(int vocab, long seed) {
        TensorBundleWriter w = new TensorBundleWriter();
        tensors(vocab, seed).forEach(w::add);
        return w;
    }

    /** A two-layer BERT under Google's checkpoint names (kernels [in, out]), with an Adam slot that is ignored. */
    static Map<String, HostTensor> tensors(int vocab, long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> m = new java.util.LinkedHashMap<>();
        m.put("bert/embeddings/word_embeddings", random(r, vocab, HIDDEN));
        m.put("bert/embeddings/position_embeddings", random(r, POSITIONS, HIDDEN));
        m.put("bert/embeddings/token_type_embeddings", random(r, 2, HIDDEN));
        m.put("bert/embeddings/LayerNorm/gamma", random(r, HIDDEN));
        m.put("bert/embeddings/LayerNorm/beta", random(r, HIDDEN));
        for (int l = 0; l < 2; l++) {
            String p = "bert/encoder/layer_" + l + "/";
            for (String qkv : List.of("query", "key", "value")) {
                m.put(p + "attention/self/" + qkv + "/kernel", random(r, HIDDEN, HIDDEN));
                m.put(p + "attention/self/" + qkv + "/bias", random(r, HIDDEN));
            }
            m.put(p + "attention/output/dense/kernel", random(r, HIDDEN, HIDDEN));
            m.put(p + "attention/output/dense/bias", random(r, HIDDEN));
            m.put(p + "attention/output/LayerNorm/gamma", random(r, HIDDEN));
            m.put(p + "attention/output/LayerNorm/beta", random(r, HIDDEN));
            m.put(p + "intermediate/dense/kernel", random(r, HIDDEN, INTERMEDIATE));
            m.put(p + "intermediate/dense/bias", random(r, INTERMEDIATE));
            m.put(p + "output/dense/kernel", random(r, INTERMEDIATE, HIDDEN));
            m.put(p + "output/dense/bias", random(r, HIDDEN));
            m.put(p + "output/LayerNorm/gamma", random(r, HIDDEN));
            m.put(p + "output/LayerNorm/beta", random(r, HIDDEN));
        }
        m.put("bert/pooler/dense/kernel", random(r, HIDDEN, HIDDEN));
        m.put("bert/pooler/dense/bias", random(r, HIDDEN));
        m.put("bert/pooler/dense/kernel/adam_m", random(r, HIDDEN, HIDDEN));
        m.put("global_step", HostTensor.ofInts(new int[] {100}));
        return m;
    }

    private static HostTensor random(Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.1);
        }
        return HostTensor.of(v, shape);
    }
}
