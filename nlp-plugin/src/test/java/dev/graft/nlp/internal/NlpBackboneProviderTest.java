package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.ServiceLoaderDatasetFormatRegistry;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.HostTensor;
import dev.graft.nlp.BertEncoder;
import dev.graft.nlp.ImportReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NlpBackboneProviderTest {
    static final ServiceLoaderBackboneRegistry REGISTRY = new ServiceLoaderBackboneRegistry();

    @Test
    void providerAndFormatsAreFoundByServiceLoader() {
        assertThat(REGISTRY.backbones()).containsKeys("bert-base-uncased", "bert-base-uncased-savedmodel", "bert-tiny", "bert",
                "roberta-base");
        assertThat(REGISTRY.provider("bert-base-uncased").id()).isEqualTo("nlp");
        ServiceLoaderDatasetFormatRegistry formats = new ServiceLoaderDatasetFormatRegistry();
        assertThat(formats.detect(Path.of("x.csv")).id()).isEqualTo("csv");
        assertThat(formats.detect(Path.of("x.tsv")).id()).isEqualTo("tsv");
        assertThat(formats.detect(Path.of("x.jsonl")).id()).isEqualTo("jsonl");
    }

    @Test
    void encodesTextsAndPairsWithDynamicPaddingAndRejectsOtherInputs() {
        Backbone b = REGISTRY.create("bert-tiny", Map.of("padToMultipleOf", "1"));
        Map<String, HostTensor> t = b.encode(List.of(new Example("a:1", "hello world", "x"),
                new Example("a:2", new Example.TextPair("hello", "world again"), "y")), false, 0);
        assertThat(t.get(BertEncoder.INPUT_IDS).shape().dims()).containsExactly(2, 6);
        assertThat(t.get(BertEncoder.INPUT_IDS).ints()).containsExactly(101, 7592, 2088, 102, 0, 0, 101, 7592, 102, 2088, 2153, 102);
        assertThat(t.get(BertEncoder.SEGMENT_IDS).ints()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1);
        assertThat(b.inputs()).extracting(i -> i.name()).containsExactlyElementsOf(t.keySet());
        assertThatThrownBy(() -> b.encode(List.of(new Example("img.png:0", Path.of("img.png"), "x")), false, 0))
                .hasMessageContaining("img.png:0: backbone 'bert-tiny' reads text or text pairs, got");
        assertThat(b.preprocessing().params()).containsEntry("tokenizer", "wordpiece").containsEntry("lowercase", "true")
                .containsEntry("maxLength", "128");
        assertThat(b.weights()).isEmpty();
    }

    @Test
    void bertBaseLoadsPretrainedWeightsForTheLayersAskedFor() {
        Backbone b = REGISTRY.create("bert-base-uncased", Map.of("layers", "2"));
        // default pooling cls: no pooler is built, its tensors are skipped
        assertThat(b.blocks()).extracting(bl -> bl.name()).containsExactly("embeddings", "encoder.layer_0", "encoder.layer_1");
        Map<String, HostTensor> w = b.weights();
        assertThat(w).hasSize(5 + 2 * 16).containsKey("backbone.encoder.layer_1.ffn.norm.gamma");
        ImportReport report = ((BertBackbone) b).importReport();
        assertThat(report.complete()).isTrue();
        assertThat(report.skipped()).contains("module/bert/encoder/layer_11/output/dense/kernel", "module/bert/pooler/dense/kernel");
        assertThat(((BertBackbone) b).pooling().id()).isEqualTo("cls");
        String fp = b.fingerprint();
        assertThat(REGISTRY.create("bert-base-uncased", Map.of("layers", "2")).fingerprint()).isEqualTo(fp);
        assertThat(REGISTRY.create("bert-base-uncased", Map.of("layers", "2", "maxLength", "64")).fingerprint()).isNotEqualTo(fp);
        assertThatThrownBy(() -> REGISTRY.create("bert-base-uncased", Map.of("layers", "13")))
                .hasMessageContaining("option layers must be an integer in [1, 12], got '13'");
    }
}
