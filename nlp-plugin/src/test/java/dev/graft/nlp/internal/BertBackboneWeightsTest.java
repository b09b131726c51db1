package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.HostTensor;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertPooling;
import dev.graft.nlp.ImportReport;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The backbone hands its weights over instead of keeping them: once an engine holds a model's
 * weights, no second copy stays on the Java heap; names and the import report stay answerable.
 */
class BertBackboneWeightsTest {
    private static final String NAME = "backbone.embeddings.norm.gamma";

    private final AtomicInteger reads = new AtomicInteger();

    private BertBackbone backbone() {
        BertConfig c = new BertConfig("bert", 1, 64, 1, 64, 2, 2, 1, 1e-12, 0, 0, BertConfig.Activation.GELU, 0.1, 0.1);
        BertBackbone.WeightSource source = new BertBackbone.WeightSource() {
            @Override
            public BertBackbone.Loaded load(boolean withPooler) {
                reads.incrementAndGet();
                return new BertBackbone.Loaded(Map.of(NAME, HostTensor.of(new float[] {1, 2, 3, 4}, 4)),
                        new ImportReport("test", List.of(new ImportReport.Mapped("gamma", NAME, false)), List.of(), List.of(), List.of()));
            }

            @Override
            public String digest() {
                return "test";
            }
        };
        return new BertBackbone("test-bert", c, null, source, 1, BertPooling.parse("cls", false));
    }

    @Test
    void keepsNoReferenceToWeightsItHandedOver() {
        BertBackbone b = backbone();
        assertThat(b.weightNames()).containsExactly(NAME);
        assertThat(b.pretrained()).isTrue();
        Map<String, HostTensor> w = b.weights();
        assertThat(reads).hasValue(1); // names first, then the weights: one read
        WeakReference<HostTensor> handed = new WeakReference<>(w.get(NAME));
        w = null;
        for (int i = 0; i < 10 && handed.get() != null; i++) {
            System.gc();
        }
        assertThat(handed.get()).as("weights still referenced after being handed over").isNull();
        assertThat(b.weightNames()).containsExactly(NAME);
        assertThat(b.importReport().source()).isEqualTo("test");
        assertThat(reads).hasValue(1);
    }

    @Test
    void readsTheWeightsAgainWhenAskedASecondTime() {
        BertBackbone b = backbone();
        HostTensor first = b.weights().get(NAME);
        HostTensor second = b.weights().get(NAME);
        assertThat(reads).hasValue(2);
        assertThat(second.bitEquals(first)).isTrue();
    }
}
