package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.io.SafeTensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertWeightsTest {
    static final BertConfig ROBERTA = new BertConfig("roberta", 2, 16, 2, 24, 40, 20, 1, 1e-5, 1, 2,
            BertConfig.Activation.GELU, 0.1, 0.1);

    static HostTensor random(Random r, long... shape) {
        float[] v = new float[(int) Shape.of(shape).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return HostTensor.of(v, shape);
    }

    /** A checkpoint laid out the way Hugging Face's BertModel / RobertaModel save it. */
    static Map<String, HostTensor> huggingFaceCheckpoint(BertConfig c, String root, long seed) {
        Random r = new Random(seed);
        int h = c.hidden();
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put(root + "embeddings.word_embeddings.weight", random(r, c.vocabSize(), h));
        m.put(root + "embeddings.position_embeddings.weight", random(r, c.maxPositions(), h));
        m.put(root + "embeddings.token_type_embeddings.weight", random(r, c.typeVocabSize(), h));
        m.put(root + "embeddings.LayerNorm.weight", random(r, h));
        m.put(root + "embeddings.LayerNorm.bias", random(r, h));
        for (int i = 0; i < c.layers(); i++) {
            String p = root + "encoder.layer." + i + ".";
            for (String qkv : new String[] {"query", "key", "value"}) {
                m.put(p + "attention.self." + qkv + ".weight", random(r, h, h));
                m.put(p + "attention.self." + qkv + ".bias", random(r, h));
            }
            m.put(p + "attention.output.dense.weight", random(r, h, h));
            m.put(p + "attention.output.dense.bias", random(r, h));
            m.put(p + "attention.output.LayerNorm.weight", random(r, h));
            m.put(p + "attention.output.LayerNorm.bias", random(r, h));
            m.put(p + "intermediate.dense.weight", random(r, c.intermediate(), h));
            m.put(p + "intermediate.dense.bias", random(r, c.intermediate()));
            m.put(p + "output.dense.weight", random(r, h, c.intermediate()));
            m.put(p + "output.dense.bias", random(r, h));
            m.put(p + "output.LayerNorm.weight", random(r, h));
            m.put(p + "output.LayerNorm.bias", random(r, h));
        }
        m.put(root + "pooler.dense.weight", random(r, h, h));
        m.put(root + "pooler.dense.bias", random(r, h));
        m.put("lm_head.dense.weight", random(r, h, h));
        return m;
    }

    @Test
    void robertaSafetensorsImportTransposesLinearWeightsAndReportsTheRest(@TempDir Path dir) throws Exception {
        Map<String, HostTensor> hf = huggingFaceCheckpoint(ROBERTA, "roberta.", 3);
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, hf, Map.of("format", "pt"));
        BertWeights.Result r = BertWeights.fromSafetensors(file, ROBERTA, "backbone", true);
        assertThat(r.report().complete()).isTrue();
        assertThat(r.report().skipped()).containsExactly("lm_head.dense.weight");
        assertThat(r.weights()).hasSize(BertWeights.parameterShapes(ROBERTA, "backbone").size());
        HostTensor w = hf.get("roberta.encoder.layer.1.intermediate.dense.weight"); // [out=24, in=16]
        HostTensor k = r.weights().get("backbone.encoder.layer_1.ffn.intermediate.kernel"); // [in=16, out=24]
        assertThat(k.shape()).isEqualTo(Shape.of(16, 24));
        for (int o = 0; o < 24; o++) {
            for (int i = 0; i < 16; i++) {
                assertThat(k.getFloat(i * 24L + o)).isEqualTo(w.getFloat(o * 16L + i));
            }
        }
        assertThat(r.weights().get("backbone.embeddings.position.embeddings")
                .bitEquals(hf.get("roberta.embeddings.position_embeddings.weight"))).isTrue();
        assertThat(r.report().imported()).contains(new ImportReport.Mapped("roberta.encoder.layer.0.attention.self.query.weight",
                "backbone.encoder.layer_0.attention.query.kernel", true));
    }

    @Test
    void importedHuggingFaceWeightsComputeTheSameAsTheReference() throws Exception {
        BertConfig c = BertConfig.bertTiny(30).withLayers(1);
        Map<String, HostTensor> hf = huggingFaceCheckpoint(c, "bert.", 5);
        BertWeights.Result r = BertWeights.fromHuggingFace("memory", hf, c, "bert", true);
        // the reference reads Graft names; recompute one dense output by hand from the HF tensors
        HostTensor kernel = r.weights().get("bert.encoder.layer_0.attention.key.kernel");
        HostTensor weight = hf.get("bert.encoder.layer.0.attention.self.key.weight");
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = i * 0.01f;
        }
        for (int o = 0; o < 32; o++) {
            double viaKernel = 0;
            double viaTorch = 0;
            for (int i = 0; i < 32; i++) {
                viaKernel += x[i] * kernel.getFloat(i * 32L + o);
                viaTorch += x[i] * weight.getFloat(o * 32L + i);
            }
            assertThat(viaKernel).isEqualTo(viaTorch);
        }
    }

    @Test
    void strictModeFailsOnMissingAndMisshapedTensorsNamingThem() {
        BertConfig c = BertConfig.bertTiny(30).withLayers(1);
        Map<String, HostTensor> hf = huggingFaceCheckpoint(c, "", 1);
        hf.remove("pooler.dense.bias");
        hf.put("embeddings.word_embeddings.weight", random(new Random(1), 31, 32));
        assertThatThrownBy(() -> BertWeights.fromHuggingFace("ckpt", hf, c, "", true))
                .isInstanceOf(BertWeights.ImportException.class)
                .hasMessageContaining("mis-shaped: embeddings.word_embeddings.weight -> embeddings.word.embeddings: found [31, 32], expected [30, 32]")
                .hasMessageContaining("missing: pooler.bias")
                .hasMessageContaining("missing: embeddings.word.embeddings");
        BertWeights.Result lenient = BertWeights.fromHuggingFace("ckpt", hf, c, "", false);
        assertThat(lenient.report().complete()).isFalse();
        assertThat(lenient.weights()).doesNotContainKeys("pooler.bias", "embeddings.word.embeddings");
        assertThat(lenient.report().missing()).containsExactlyInAnyOrder("pooler.bias", "embeddings.word.embeddings");
    }

    @Test
    void googleNamesMapWithAndWithoutHubPrefixAndSkipTrainingState() {
        assertThat(BertWeights.googleName("bert/encoder/layer_3/attention/output/LayerNorm/gamma").name())
                .isEqualTo("encoder.layer_3.attention.norm.gamma");
        assertThat(BertWeights.googleName("module/bert/encoder/layer_11/output/dense/kernel").name())
                .isEqualTo("encoder.layer_11.ffn.output.kernel");
        assertThat(BertWeights.googleName("bert/encoder/layer_0/intermediate/dense/bias").name())
                .isEqualTo("encoder.layer_0.ffn.intermediate.bias");
        assertThat(BertWeights.googleName("bert/embeddings/LayerNorm/beta").name()).isEqualTo("embeddings.norm.beta");
        assertThat(BertWeights.googleName("bert/pooler/dense/kernel").name()).isEqualTo("pooler.kernel");
        assertThat(BertWeights.googleName("cls/predictions/output_bias")).isNull();
        assertThat(BertWeights.googleName("global_step")).isNull();
        assertThat(BertWeights.googleName("bert/encoder/layer_0/output/dense/kernel/adam_m")).isNull();
    }
}
