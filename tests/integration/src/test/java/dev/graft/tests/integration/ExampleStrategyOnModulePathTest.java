package dev.graft.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleStrategyOnModulePathTest {
    @TempDir
    Path dir;

    private static List<Example> data() {
        Random r = new Random(3);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int k = i % 2;
            float[] x = new float[6];
            for (int j = 0; j < 6; j++) {
                x[j] = (float) (r.nextGaussian() + (k == 0 ? 1.5 : -1.5) * (j % 2 == 0 ? 1 : -1));
            }
            out.add(new Example("row" + i, x, k == 0 ? "even" : "odd"));
        }
        return out;
    }

    @Test
    void testsRunOnTheModulePath() {
        assertThat(getClass().getModule().isNamed()).isTrue();
        assertThat(getClass().getModule().getName()).isEqualTo("dev.graft.tests.integration");
        assertThat(Graft.class.getModule().getName()).isEqualTo("dev.graft.core");
        assertThat(HostTensor.class.getModule().getName()).isEqualTo("dev.graft.engine.spi");
    }

    @Test
    void exampleStrategyIsDiscoveredAsAModule() {
        TransferStrategy found = ServiceLoader.load(TransferStrategy.class).stream().map(ServiceLoader.Provider::get)
                .filter(s -> s.id().equals("linear-probe-then-finetune")).findFirst().orElseThrow();
        assertThat(found.getClass().getModule().getName()).isEqualTo("dev.graft.example.strategy");
        var entry = Graft.create().catalog().entries().stream()
                .filter(e -> e.info().id().equals("linear-probe-then-finetune")).findFirst().orElseThrow();
        assertThat(entry.info().module()).isEqualTo("dev.graft.example.strategy");
        var engine = Graft.create().catalog().entries().stream().filter(e -> e.info().id().equals("tensorflow")).findFirst()
                .orElseThrow();
        assertThat(engine.info().module()).isEqualTo("dev.graft.engine.tensorflow");
    }

    @Test
    void linearProbeThenFinetuneTrainsTheHeadFirstThenEverything() throws Exception {
        List<Long> trainable = new ArrayList<>();
        TrainingListener phases = new TrainingListener() {
            @Override
            public void onPhase(int epoch, String description, long count) {
                trainable.add(count);
            }
        };
        PipelineResult r = Graft.create().pipeline().data(data()).backbone("dense-3", Map.of())
                .strategy("linear-probe-then-finetune", Map.of("probeEpochs", "2", "batchNorm", "train"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(4).withBatchSize(16).withLearningRate(0.03).withSeed(5))
                .engine("tensorflow").cacheDir(dir).listener(phases).run();
        // head: 12*2+2 = 26; backbone: b1 6*12+12 + b2/b3 12*12+12 each, + gamma/beta 3*24 = 84+156+156+72 = 468
        assertThat(trainable).containsExactly(26L, 26L + 468L);
        assertThat(r.plan().strategy()).isEqualTo("linear-probe-then-finetune");
        assertThat(r.planReport()).contains("linear probe").contains("fine-tune everything");
        assertThat(r.history().epochs()).hasSize(4);
        assertThat(r.validation().accuracy()).isGreaterThan(0.8);
        // every parameter, BatchNorm statistics included, moved away from its seeded start
        Network net = r.model().network();
        Map<String, HostTensor> start = net.initialValues(5);
        r.model().weights().forEach((k, v) -> assertThat(v.bitEquals(start.get(k))).as(k + " changed").isFalse());
    }
}
