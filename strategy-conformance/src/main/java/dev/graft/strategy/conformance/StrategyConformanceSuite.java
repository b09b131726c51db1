package dev.graft.strategy.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.NetworkAdapter;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.Task;
import dev.graft.core.train.StepEvent;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.strategy.conformance.internal.SuiteBackbone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite every Graft transfer strategy must pass, the way engine-conformance serves engines. A
 * strategy's test extends this class and names the strategy (and options that suit the suite's
 * backbone, {@code conformance-mlp}: three blocks {@code block1..3} of {@code fc} dense, {@code bn}
 * BatchNorm and ReLU); the strategy and an engine must be on the test's class or module path.
 *
 * <pre>{@code
 * class LoraConformanceTest extends StrategyConformanceSuite {
 *     protected String strategy() { return "lora"; }
 *     protected Map<String, String> options() { return Map.of("targets", "backbone.**.fc.kernel"); }
 * }
 * }</pre>
 *
 * <p>It checks: an unknown option is refused naming it; the plan is explained and applied; every
 * parameter the plan keeps frozen throughout (and the moving statistics of frozen BatchNorm layers)
 * ends bit-identical to where it started, except base parameters a network adapter merges into;
 * features are cached only when the backbone stays frozen (and then it is bit-identical); the saved
 * model loads and predicts exactly like the trained one; a run killed after a checkpoint and
 * resumed ends with bit-identical weights.
 */
public abstract class StrategyConformanceSuite {
    private static final Graft GRAFT = Graft.create();
    private static final long SEED = 17;

    /** The strategy id under test. */
    protected abstract String strategy();

    /** Options valid for the suite's backbone (default none). */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** Epochs per run (default 3; at least as many as the strategy's phases need). */
    protected int epochs() {
        return 3;
    }

    /** The facade the suite runs through (default: everything found by ServiceLoader). */
    protected Graft graft() {
        return GRAFT;
    }

    /** The suite's training data: three clusters of 12 examples over {@code float[8]}. */
    protected List<Example> data() {
        return SuiteBackbone.data(3, 12, 5);
    }

    protected TrainerConfig trainer() {
        return TrainerConfig.defaults().withEpochs(epochs()).withBatchSize(8).withLearningRate(0.02).withSeed(SEED)
                .withValidationFraction(0.25);
    }

    protected Pipeline pipeline(Path cache, TrainerConfig tc, Map<String, String> opts) {
        return graft().pipeline().data(data()).backbone(SuiteBackbone.NAME, Map.of()).strategy(strategy(), opts)
                .head(HeadConfig.linear(Task.CLASSIFICATION)).trainer(tc).cacheDir(cache);
    }

    @Test
    void refusesAnUnknownOptionNamingIt(@TempDir Path dir) {
        Map<String, String> bad = new LinkedHashMap<>(options());
        bad.put("noSuchOption", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipeline(dir, trainer(), bad).run());
        assertTrue(e.getMessage().contains("noSuchOption"), "message names the option: " + e.getMessage());
    }

    @Test
    void explainsAndAppliesItsPlan(@TempDir Path dir) throws Exception {
        PipelineResult r = pipeline(dir, trainer(), options()).run();
        assertFalse(r.plan().explanation().isBlank(), "plan explanation");
        assertEquals(0, r.plan().phases().get(0).startEpoch());
        assertTrue(r.planReport().contains("as applied"), r.planReport());
        if ("solved".equals(r.history().stopReason())) {
            // a solved head is one step at the end: the epochs before it (a training objective's) plus the solve
            assertTrue(r.history().epochs().size() <= epochs(), "epochs run: " + r.history().epochs().size());
        } else {
            assertEquals(epochs(), r.history().epochs().size(), "epochs run");
        }
        for (var e : r.history().epochs()) {
            assertTrue(Double.isFinite(e.trainLoss()), "finite loss in epoch " + e.epoch());
        }
    }

    @Test
    void frozenParametersStayBitIdentical(@TempDir Path dir) throws Exception {
        PipelineResult r = pipeline(dir, trainer(), options()).run();
        Map<String, HostTensor> start = startingValues(r);
        Set<String> frozen = frozenThroughout(r);
        List<String> changed = new ArrayList<>();
        for (String p : frozen) {
            if (!r.model().weights().get(p).bitEquals(start.get(p))) {
                changed.add(p);
            }
        }
        assertTrue(changed.isEmpty(), "parameters frozen by the plan that changed: " + changed);
    }

    @Test
    void cachesFeaturesOnlyWhileTheBackboneStaysFrozen(@TempDir Path dir) throws Exception {
        PipelineResult r = pipeline(dir, trainer(), options()).run();
        if (!r.plan().cacheFeatures()) {
            assertNull(r.featureCache(), "no feature cache without cacheFeatures");
            return;
        }
        assertNotNull(r.featureCache(), "cacheFeatures plans cache");
        Map<String, HostTensor> start = startingValues(r);
        for (ParamSpec p : r.model().network().params().values()) {
            if (p.name().startsWith("backbone.")) {
                assertTrue(r.model().weights().get(p.name()).bitEquals(start.get(p.name())), "cached backbone changed: " + p.name());
            }
        }
    }

    @Test
    void savedModelLoadsAndPredictsExactlyLikeTheTrainedOne(@TempDir Path dir) throws Exception {
        PipelineResult r = pipeline(dir.resolve("cache"), trainer(), options()).run();
        r.model().save(dir.resolve("model"));
        TrainedModel back = TrainedModel.load(dir.resolve("model"));
        assertEquals(r.model().weights().keySet(), back.weights().keySet());
        List<Example> probe = data().subList(0, 9);
        float[][] a;
        float[][] b;
        try (Predictor p = Predictor.open(r.model(), graft().engines().get(null), graft())) {
            a = p.scores(probe);
        }
        try (Predictor p = graft().predictor(dir.resolve("model"), null)) {
            b = p.scores(probe);
        }
        for (int i = 0; i < a.length; i++) {
            assertTrue(java.util.Arrays.equals(a[i], b[i]), "scores of example " + i + " after save and load");
        }
    }

    @Test
    void killedAndResumedRunEndsBitIdentical(@TempDir Path dir) throws Exception {
        TrainerConfig base = trainer();
        PipelineResult whole = pipeline(dir.resolve("cache"), base.withCheckpoints(dir.resolve("a"), 2), options()).run();
        TrainerConfig tc = base.withCheckpoints(dir.resolve("b"), 2).withResume(true);
        if (whole.history().steps() == 0) {
            // nothing runs by steps (a head solved in closed form on cached features): no step to kill; a rerun that
            // starts from the same checkpoint folder must end bit-identical
            PipelineResult again = pipeline(dir.resolve("cache"), base.withCheckpoints(dir.resolve("b"), 2).withResume(true), options())
                    .run();
            whole.model().weights().forEach((k, v) -> assertTrue(again.model().weights().get(k).bitEquals(v), k));
            return;
        }
        long crashAt = Math.max(3, whole.history().steps() / 2);
        TrainingListener crash = new TrainingListener() {
            @Override
            public void onStep(StepEvent e) {
                if (e.globalStep() == crashAt) {
                    throw new IllegalStateException("killed at step " + crashAt);
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> pipeline(dir.resolve("cache"), tc, options()).listener(crash).run());
        PipelineResult resumed = pipeline(dir.resolve("cache"), tc, options()).run();
        Map<String, HostTensor> w = whole.model().weights();
        List<String> differ = new ArrayList<>();
        w.forEach((k, v) -> {
            if (!resumed.model().weights().get(k).bitEquals(v)) {
                differ.add(k);
            }
        });
        assertTrue(differ.isEmpty(), "parameters that differ after kill and resume: " + differ);
    }

    /** Seeded initial values of the inference network with the backbone's pretrained weights on top. */
    private static Map<String, HostTensor> startingValues(PipelineResult r) {
        Map<String, HostTensor> m = new LinkedHashMap<>(r.model().network().initialValues(SEED));
        m.putAll(new SuiteBackbone().weights());
        return m;
    }

    /**
     * Parameters frozen in every phase of the plan (moving statistics: those of BatchNorm layers
     * whose gamma is), minus those a network adapter merges into.
     */
    private static Set<String> frozenThroughout(PipelineResult r) {
        Set<String> out = new HashSet<>();
        Set<String> adapted = new HashSet<>();
        r.plan().extensions(NetworkAdapter.class).forEach(a -> adapted.addAll(a.adaptedParameters()));
        for (ParamSpec p : r.model().network().params().values()) {
            String probe = p.trainable() ? p.name() : p.name().replaceAll("moving_(mean|variance)$", "gamma");
            boolean frozen = true;
            for (Phase ph : r.plan().phases()) {
                var g = TrainingConfig.of(OptimizerSpec.sgd(0), s -> 1).withGroups(ph.groups()).groupOf(probe);
                frozen &= g.frozen() || (!p.trainable() && !g.batchStatistics());
            }
            if (frozen && !adapted.contains(p.name())) {
                out.add(p.name());
            }
        }
        return out;
    }
}
