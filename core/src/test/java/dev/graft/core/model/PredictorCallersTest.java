package dev.graft.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.Data;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Predictor#predict} over more than one batch runs its batches on two callers at once
 * ({@value Predictor#CALLERS_PROPERTY}): the answers are those of each batch predicted alone, in the inputs' order,
 * and a bad input fails the call as it does alone.
 */
class PredictorCallersTest {
    @TempDir
    static Path dir;
    private static TrainedModel model;
    private Graft graft;

    @BeforeEach
    void train() throws Exception {
        graft = Graft.create();
        if (model == null) {
            model = graft.pipeline().data(Data.clusters(3, 20, 8, 1)).backbone("tiny-mlp", Map.of("width", "12"))
                    .strategy("fine-tuning", Map.of()).head(HeadConfig.mlp(Task.CLASSIFICATION, List.of(10), 0.2))
                    .trainer(TrainerConfig.defaults().withEpochs(3).withBatchSize(16)).cacheDir(dir).run().model();
        }
    }

    @AfterEach
    void clearProperty() {
        System.clearProperty(Predictor.CALLERS_PROPERTY);
    }

    private Predictor open() {
        return Predictor.open(model, graft.engines().get(null), graft.backbones());
    }

    private static Set<String> predictThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("graft-predict-")).collect(Collectors.toSet());
    }

    /** 110 examples: four batches of 32, 32, 32 and 14. */
    private static List<Example> inputs() {
        return Data.clusters(3, 37, 8, 99).subList(0, 110);
    }

    private static void assertSame(List<Prediction> got, List<Prediction> want) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i).source()).isEqualTo(want.get(i).source());
            assertThat(got.get(i).label()).isEqualTo(want.get(i).label());
            for (Map.Entry<String, Double> e : want.get(i).scores().entrySet()) {
                assertThat(got.get(i).scores().get(e.getKey())).as("%s %s", want.get(i).source(), e.getKey())
                        .isCloseTo(e.getValue(), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void batchesRunOnTwoCallersAndComeBackInTheInputsOrder() {
        awaitNoPredictThreads();
        List<Example> in = inputs();
        try (Predictor p = open()) {
            List<Prediction> alone = new ArrayList<>();
            for (int from = 0; from < in.size(); from += 32) {
                alone.addAll(p.predict(in.subList(from, Math.min(in.size(), from + 32))));
            }
            assertThat(predictThreads()).as("one batch at a time needs no second caller").isEmpty();
            assertSame(p.predict(in), alone);
            assertThat(predictThreads()).containsExactlyInAnyOrder("graft-predict-1", "graft-predict-2");
        }
        awaitNoPredictThreads();
        assertThat(predictThreads()).as("closed: the callers end").isEmpty();
    }

    /** Waits (up to 10 s) for the callers of predictors closed earlier to end. */
    private static void awaitNoPredictThreads() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!predictThreads().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    @Test
    void oneCallerRunsTheBatchesInTurnWithTheSameAnswers() {
        List<Example> in = inputs();
        List<Prediction> two;
        try (Predictor p = open()) {
            two = p.predict(in);
        }
        System.setProperty(Predictor.CALLERS_PROPERTY, "1");
        try (Predictor p = open()) {
            assertSame(p.predict(in), two);
        }
    }

    @Test
    void aBadInputInALaterBatchFailsTheCallAsItDoesAlone() {
        List<Example> in = new ArrayList<>(inputs());
        in.set(75, new Example("bad.csv:77", new float[3], "class0"));
        try (Predictor p = open()) {
            String alone = null;
            try {
                p.predict(in.subList(64, 96));
            } catch (IllegalArgumentException e) {
                alone = e.getMessage();
            }
            assertThat(alone).startsWith("bad.csv:77: ");
            assertThatThrownBy(() -> p.predict(in)).isInstanceOf(IllegalArgumentException.class).hasMessage(alone);
            // the predictor goes on answering after a failed call
            assertThat(p.predict(inputs())).hasSize(110);
        }
    }

    @Test
    void aClosedPredictorRefusesACallOfSeveralBatchesAndStartsNoThreads() {
        awaitNoPredictThreads();
        Predictor p = open();
        p.close();
        assertThatThrownBy(() -> p.predict(inputs())).isInstanceOf(IllegalStateException.class)
                .hasMessage("the predictor is closed (its engine resources are freed); open another one");
        assertThat(predictThreads()).isEmpty();
    }

    @Test
    void aCallOfSeveralBatchesGivesEachCallerItsShareOfTheCoresUnlessThreadsAreSet() {
        int cores = Runtime.getRuntime().availableProcessors();
        dev.graft.engine.spi.EngineSettings base = dev.graft.engine.spi.EngineSettings.defaults();
        assertThat(Predictor.engineSettings(base, Predictor.BATCH)).as("one batch: the engine's default").isEqualTo(base);
        assertThat(Predictor.engineSettings(base, Predictor.BATCH + 1).threads()).as("two batches, two callers").isEqualTo(Math.max(1, cores / 2));
        assertThat(Predictor.engineSettings(base, 10 * Predictor.BATCH).threads()).isEqualTo(Math.max(1, cores / 2));
        assertThat(Predictor.engineSettings(base.withThreads(3), 10 * Predictor.BATCH).threads()).as("set by the user").isEqualTo(3);
        System.setProperty(Predictor.CALLERS_PROPERTY, "1");
        assertThat(Predictor.engineSettings(base, 10 * Predictor.BATCH)).as("one caller: the engine's default").isEqualTo(base);
        System.setProperty(Predictor.CALLERS_PROPERTY, "4");
        assertThat(Predictor.engineSettings(base, 3 * Predictor.BATCH).threads()).as("three batches on three of four callers")
                .isEqualTo(Math.max(1, cores / 3));
    }

    @Test
    void refusesABadCallerCountNamingTheProperty() {
        System.setProperty(Predictor.CALLERS_PROPERTY, "0");
        assertThatThrownBy(this::open).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("graft.predict.callers: must be a whole number from 1 to 64, got '0'");
    }
}
