package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.strategies.SetFitObjective;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.TrainingObjective;
import dev.graft.core.testing.Data;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SetFitObjectiveTest {
    @Test
    void pairCosineAndLossMatchAPlainJavaComputationOnTheFeatures() {
        TinyBackbone backbone = new TinyBackbone(8, 16, true, 1);
        Phase phase = new Phase(0, "pairs", List.of());
        SetFitObjective objective = new SetFitObjective(phase, 2);
        List<Example> data = Data.clusters(3, 6, 8, 1);
        List<TrainingObjective.Batch> batches = objective.batches(data, 10, 0, 3);
        assertThat(batches).hasSize((data.size() * 2 + 4) / 5);
        TrainingObjective.Batch batch = batches.get(0);
        assertThat(batch.examples()).hasSize(10);
        float[] target = batch.inputs().get(SetFitObjective.TARGET).floats();
        for (int i = 0; i < 5; i++) {
            boolean same = batch.examples().get(i).label().equals(batch.examples().get(i + 5).label());
            assertThat(target[i]).isEqualTo(same ? 1f : 0f);
        }
        Network net = ObjectiveRun.network(backbone, objective, List.of());
        Map<String, HostTensor> out;
        try (CompiledModel m = new ServiceLoaderEngineRegistry().get("tensorflow").compile(net, 1)) {
            Map<String, HostTensor> w = new HashMap<>(backbone.weights());
            m.setParameters(w);
            Map<String, HostTensor> feed = new HashMap<>(backbone.encode(batch.examples(), false, 0));
            feed.putAll(batch.inputs());
            out = m.predict(feed, List.of("features", "pair_cosine", ObjectiveRun.LOSS));
        }
        float[] f = out.get("features").floats();
        int d = 16;
        float[] cos = out.get("pair_cosine").floats();
        double mse = 0;
        for (int i = 0; i < 5; i++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int j = 0; j < d; j++) {
                double a = f[i * d + j];
                double b = f[(i + 5) * d + j];
                dot += a * b;
                na += a * a;
                nb += b * b;
            }
            double expected = dot / Math.sqrt(na * nb);
            assertThat((double) cos[i]).as("cosine of pair %d", i).isCloseTo(expected, Offset.offset(1e-5));
            mse += (expected - target[i]) * (expected - target[i]) / 5;
        }
        assertThat((double) out.get(ObjectiveRun.LOSS).floats()[0]).isCloseTo(mse, Offset.offset(1e-5));
    }
}
