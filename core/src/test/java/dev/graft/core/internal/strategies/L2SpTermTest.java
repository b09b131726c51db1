package dev.graft.core.internal.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.train.RunExtensions;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class L2SpTermTest {
    @Test
    void addsAlphaTowardPretrainedAndBetaOnTheHeadToTheTaskLoss() {
        Network base = LoraAdapterTest.dense();
        Map<String, HostTensor> pretrained = new LinkedHashMap<>();
        pretrained.put("backbone.fc.kernel", LoraAdapterTest.random(1, 0.3f, 4, 6));
        pretrained.put("backbone.fc.bias", LoraAdapterTest.random(2, 0.3f, 6));
        double alpha = 0.7;
        double beta = 0.2;
        RunExtensions ext = RunExtensions.apply(List.of(new L2SpTerm(alpha, beta, "backbone.**", "head.**")), base,
                pretrained.keySet());
        Network net = ext.network();
        assertThat(net.params()).containsKeys("pretrained.backbone.fc.kernel", "pretrained.backbone.fc.bias");
        // current weights differ from the pretrained ones
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("backbone.fc.kernel", LoraAdapterTest.random(3, 0.3f, 4, 6));
        w.put("backbone.fc.bias", LoraAdapterTest.random(4, 0.3f, 6));
        w.put("head.out.kernel", LoraAdapterTest.random(5, 0.3f, 6, 3));
        w.put("head.out.bias", LoraAdapterTest.random(6, 0.3f, 3));
        double expected = 0;
        for (String k : List.of("backbone.fc.kernel", "backbone.fc.bias")) {
            float[] a = w.get(k).floats();
            float[] p = pretrained.get(k).floats();
            for (int i = 0; i < a.length; i++) {
                expected += alpha / 2 * ((double) a[i] - p[i]) * ((double) a[i] - p[i]);
            }
        }
        for (String k : List.of("head.out.kernel", "head.out.bias")) {
            for (float v : w.get(k).floats()) {
                expected += beta / 2 * v * v;
            }
        }
        float task = LoraAdapterTest.predict(base, w, "loss")[0];
        Map<String, HostTensor> all = new LinkedHashMap<>(w);
        all.putAll(ext.copyValues(pretrained));
        float total;
        try (CompiledModel m = LoraAdapterTest.ENGINE.compile(net, 1)) {
            m.setParameters(all);
            total = m.predict(LoraAdapterTest.batch(net), "loss").floats()[0];
        }
        assertThat(expected).isGreaterThan(0.05);
        assertThat((double) total - task).isCloseTo(expected, Offset.offset(1e-5 + 1e-5 * expected));
        assertThat(ext.merge(all).keySet()).isEqualTo(Set.copyOf(base.params().keySet()));
    }
}
