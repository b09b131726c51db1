package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Example;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.core.train.EpochMetrics;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.core.train.Schedule;
import dev.graft.core.train.StepEvent;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SetFit on the tiny backbone: the pair objective's loss falls and the tuned features separate the classes. */
class SetFitTest {
    @TempDir
    Path dir;

    @Test
    void pairObjectiveLossFallsAndTunedFeaturesSeparateClassesBetter() throws Exception {
        PipelineResult r = Runs.pipeline("setfit", Map.of("bodyEpochs", "3", "pairs", "4", "bodyLr", "0.01", "head", "sgd"),
                Runs.trainer(5).withLearningRate(0.05), dir).run();
        List<EpochMetrics> e = r.history().epochs();
        assertThat(e).hasSize(5);
        assertThat(e.get(0).phase()).contains("contrastive");
        assertThat(e.get(4).phase()).contains("head");
        assertThat(e.get(2).trainLoss()).as("pair loss after 3 epochs vs after 1").isLessThan(e.get(0).trainLoss());
        assertThat(r.validation().accuracy()).isGreaterThan(0.6);

        TinyBackbone tiny = new TinyBackbone(8, 16, true, 1);
        Map<String, HostTensor> tuned = new LinkedHashMap<>();
        r.model().weights().forEach((k, v) -> {
            if (k.startsWith("backbone.")) {
                tuned.put(k, v);
            }
        });
        double before = separation(tiny, tiny.weights());
        double after = separation(tiny, tuned);
        assertThat(after).as("same-class minus other-class mean cosine, %s before", before).isGreaterThan(before + 0.05);
    }

    @Test
    void contrastivePhaseFollowsTheConfiguredWarmupAndLinearDecay() throws Exception {
        List<StepEvent> steps = new ArrayList<>();
        TrainerConfig tc = Runs.trainer(2).withLearningRate(0.05).withSchedule(Schedule.linear().withWarmup(0.25));
        Runs.pipeline("setfit", Map.of("pairs", "4", "bodyLr", "0.01"), tc, dir).listener(new TrainingListener() {
            @Override
            public void onStep(StepEvent e) {
                if (e.epoch() == 0) {
                    steps.add(e);
                }
            }
        }).run();
        // 60 examples x 4 pairs, 8 pairs (16 texts) a step: 30 steps; warmup round(0.25 * 30) = 8 steps, then 22 of decay
        assertThat(steps).hasSize(30);
        for (int i = 0; i < 30; i++) {
            double expected = i < 8 ? 0.05 * (i + 1) / 9 : 0.05 * (1 - (i - 8) / 22.0);
            assertThat(steps.get(i).learningRate()).as("base rate at contrastive step %d", i).isCloseTo(expected, Offset.offset(1e-9));
        }
    }

    @Test
    void contrastivePhaseKeepsAConstantRateWhenNoScheduleIsConfigured() throws Exception {
        List<Double> rates = new ArrayList<>();
        Runs.pipeline("setfit", Map.of("pairs", "2", "bodyLr", "0.01"), Runs.trainer(2).withLearningRate(0.05), dir)
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent e) {
                        if (e.epoch() == 0) {
                            rates.add(e.learningRate());
                        }
                    }
                }).run();
        assertThat(rates).hasSize(15).allSatisfy(r -> assertThat(r).isCloseTo(0.05, Offset.offset(1e-12)));
    }

    /** Mean cosine of same-class pairs minus mean cosine of other-class pairs, over the run's data. */
    private static double separation(TinyBackbone b, Map<String, HostTensor> weights) {
        Network net = NetworkAssembler.backboneOnly(b);
        List<Example> data = Runs.DATA;
        float[] f;
        try (CompiledModel m = Runs.GRAFT.engines().get("tensorflow").compile(net, 1)) {
            m.setParameters(weights);
            f = m.predict(b.encode(data, false, 0), NetworkAssembler.FEATURES).floats();
        }
        int d = 16;
        double same = 0;
        double other = 0;
        int ns = 0;
        int no = 0;
        for (int i = 0; i < data.size(); i++) {
            for (int j = i + 1; j < data.size(); j++) {
                double dot = 0;
                double na = 0;
                double nb = 0;
                for (int k = 0; k < d; k++) {
                    dot += f[i * d + k] * f[j * d + k];
                    na += f[i * d + k] * f[i * d + k];
                    nb += f[j * d + k] * f[j * d + k];
                }
                double c = dot / Math.sqrt(na * nb + 1e-12);
                if (data.get(i).label().equals(data.get(j).label())) {
                    same += c;
                    ns++;
                } else {
                    other += c;
                    no++;
                }
            }
        }
        return same / ns - other / no;
    }
}
