package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.internal.strategies.LoraAdapter;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.testing.HalvingStepHookStrategy;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strategies built on the extension points (adapters, loss terms, step hooks), run end to end. */
class ExtensionStrategiesTest {
    @TempDir
    Path dir;

    @Test
    void loraTrainsAdaptersAndTheHeadLeavesTheBaseBitIdenticalAndSavesMerged() throws Exception {
        PipelineResult r = Runs.pipeline("lora", Map.of("targets", "backbone.**.fc.kernel", "rank", "2"),
                Runs.trainer(3).withLearningRate(0.05), dir).run();
        Map<String, HostTensor> pre = new TinyBackbone(8, 16, true, 1).weights();
        Map<String, HostTensor> w = r.model().weights();
        Map<String, HostTensor> adapters = r.model().adapterWeights();
        assertThat(adapters).hasSize(9).containsKey("backbone.block1.fc.lora_a").containsKey("backbone.block1.fc.lora_scale");
        assertThat(w.keySet()).noneMatch(k -> k.contains("lora"));
        for (String k : pre.keySet()) {
            if (k.endsWith("fc.kernel")) {
                String stem = LoraAdapter.stem(k);
                HostTensor b = adapters.get(stem + ".lora_b");
                assertThat(b.floats()).as("trained %s.lora_b", stem).isNotEqualTo(new float[b.floats().length]);
                // merged = pretrained + (alpha/r) A B exactly: the base kernel itself never changed
                HostTensor expected = LoraAdapter.merged(pre.get(k), adapters.get(stem + ".lora_a"), b, 2.0);
                assertThat(w.get(k).bitEquals(expected)).as("%s = pretrained + scale A B", k).isTrue();
            } else {
                assertThat(w.get(k).bitEquals(pre.get(k))).as("frozen %s bit-identical", k).isTrue();
            }
        }
        assertThat(r.planReport()).contains("extension: lora r=2").contains("lora adapters");
        assertThat(r.validation().accuracy()).isGreaterThan(0.5);

        r.model().save(dir.resolve("model"));
        TrainedModel back = TrainedModel.load(dir.resolve("model"));
        assertThat(back.network().params().keySet()).noneMatch(k -> k.contains("lora"));
        // the merged model exports for TensorFlow Serving like any other and serves the same probabilities
        dev.graft.engine.spi.Engine tf = Runs.GRAFT.engines().get("tensorflow");
        TinyBackbone enc = new TinyBackbone(8, 16, true, 1);
        java.util.List<dev.graft.core.spi.Example> probe = Runs.DATA.subList(0, 6);
        float[] served;
        float[] direct;
        try (dev.graft.engine.spi.CompiledModel c = tf.compile(back.network(), 0)) {
            c.setParameters(back.weights());
            direct = c.predict(enc.encode(probe, false, 0), "probabilities").floats();
            tf.exportSavedModel(c, java.util.List.of("probabilities"), dir.resolve("export"));
        }
        try (dev.graft.engine.spi.SavedModel sm = tf.openSavedModel(dir.resolve("export"), "serve",
                dev.graft.engine.spi.SavedModelOptions.trustedModel())) {
            served = sm.run("serving_default", enc.encode(probe, false, 0), java.util.List.of("probabilities"))
                    .get("probabilities").floats();
        }
        for (int i = 0; i < direct.length; i++) {
            assertThat(served[i]).isCloseTo(direct[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
        r.model().saveAdapters(dir.resolve("adapters.safetensors"));
        assertThat(SafeTensors.read(dir.resolve("adapters.safetensors")).tensors().keySet())
                .containsAll(adapters.keySet());
    }

    @Test
    void typedChoicesGiveTheSameRunAsStringOptions() throws Exception {
        var typed = dev.graft.core.strategy.Strategies.lora().rank(2).targets(java.util.List.of("backbone.**.fc.kernel"));
        assertThat(typed.options()).isEqualTo(Map.of("rank", "2", "targets", "backbone.**.fc.kernel"));
        PipelineResult a = Runs.pipeline("lora", typed.options(), Runs.trainer(1), dir).run();
        PipelineResult b = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of()).strategy(typed)
                .trainer(Runs.trainer(1)).cacheDir(dir).run();
        a.model().weights().forEach((k, v) -> assertThat(b.model().weights().get(k).bitEquals(v)).as(k).isTrue());
        assertThat(dev.graft.core.strategy.Strategies.fineTuning().lrDecay(0.8)
                .batchNorm(dev.graft.core.spi.BatchNormPolicy.AFFINE_ONLY).options())
                .isEqualTo(Map.of("lrDecay", "0.8", "batchNorm", "affine"));
    }

    @Test
    void loraRefusesTargetsThatMatchNoParameterNamingTheOption() {
        assertThatThrownBy(() -> Runs.pipeline("lora", Map.of(), Runs.trainer(1), dir).run())
                .hasMessageContaining("targets").hasMessageContaining("backbone.block1.fc.kernel");
        assertThatThrownBy(() -> Runs.pipeline("lora", Map.of("targets", "backbone.**.fc.kernel", "rank", "0"),
                Runs.trainer(1), dir).run()).hasMessageContaining("rank");
    }

    @Test
    void l2SpWithAStrongPullKeepsTheBackboneCloserToItsPretrainedWeightsThanFineTuning() throws Exception {
        PipelineResult ft = Runs.pipeline("fine-tuning", Map.of("backboneLr", "0.05"), Runs.trainer(3).withLearningRate(0.05), dir)
                .run();
        PipelineResult sp = Runs.pipeline("l2-sp", Map.of("backboneLr", "0.05", "alpha", "5"),
                Runs.trainer(3).withLearningRate(0.05), dir).run();
        Map<String, HostTensor> pre = new TinyBackbone(8, 16, true, 1).weights();
        assertThat(distance(sp.model().weights(), pre)).isLessThan(0.5 * distance(ft.model().weights(), pre));
        assertThat(sp.model().weights().keySet()).noneMatch(k -> k.startsWith("pretrained."));
        assertThat(sp.planReport()).contains("l2-sp alpha=5.0");
    }

    private static double distance(Map<String, HostTensor> w, Map<String, HostTensor> pre) {
        double d = 0;
        for (String k : pre.keySet()) {
            if (k.contains("moving")) {
                continue;
            }
            float[] a = w.get(k).floats();
            float[] b = pre.get(k).floats();
            for (int i = 0; i < a.length; i++) {
                d += (a[i] - b[i]) * (a[i] - b[i]);
            }
        }
        return Math.sqrt(d);
    }

    @Test
    void stepHookSetsTheLearningRateOfEveryStepAndSeesTheWeights() throws Exception {
        HalvingStepHookStrategy.SEEN.clear();
        PipelineResult r = Runs.pipeline(HalvingStepHookStrategy.ID, Map.of(), Runs.trainer(2).withLearningRate(0.02), dir)
                .run();
        assertThat(HalvingStepHookStrategy.SEEN).hasSize((int) r.history().steps());
        for (double[] s : HalvingStepHookStrategy.SEEN) {
            assertThat(s[1]).as("lr at step %s", s[0]).isEqualTo(((long) s[0]) % 2 == 1 ? 0.01 : 0.02);
        }
        double last = HalvingStepHookStrategy.SEEN.get(HalvingStepHookStrategy.SEEN.size() - 1)[2];
        assertThat((double) r.model().weights().get("head.out.kernel").floats()[0]).isEqualTo(last, org.assertj.core.data.Offset.offset(0.0));
    }
}
