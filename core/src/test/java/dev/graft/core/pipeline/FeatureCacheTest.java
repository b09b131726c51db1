package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.testing.TinyBackbone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {
    @TempDir
    Path cache;

    @Test
    void backboneRunsOncePerExampleAcrossEpochsAndNotAtAllInALaterRun() throws Exception {
        int n = Runs.DATA.size();
        TinyBackbone.ENCODED.set(0);
        PipelineResult first = Runs.pipeline("feature-extraction", Map.of("head", "sgd"), Runs.trainer(4), cache).run();
        // 4 epochs, but each example (train and validation) went through the backbone exactly once
        assertThat(TinyBackbone.ENCODED.get()).isEqualTo(n);
        assertThat(first.featureCache().computed()).isEqualTo(n);
        assertThat(first.featureCache().hits()).isZero();
        assertThat(first.history().epochs()).hasSize(4);
        try (Stream<Path> shards = Files.walk(cache)) {
            assertThat(shards.filter(p -> p.toString().endsWith(".safetensors")).count()).isGreaterThan(0);
        }

        TinyBackbone.ENCODED.set(0);
        PipelineResult second = Runs.pipeline("feature-extraction", Map.of("head", "sgd"), Runs.trainer(4), cache).run();
        assertThat(TinyBackbone.ENCODED.get()).as("backbone executions in the second run").isZero();
        assertThat(second.featureCache().hits()).isEqualTo(n);
        assertThat(second.featureCache().computed()).isZero();
        assertThat(second.featureCache().backboneBatches()).isZero();
        // the same features give the same head
        second.model().weights().forEach((k, v) -> assertThat(v.bitEquals(first.model().weights().get(k))).as(k).isTrue());
    }

    @Test
    void otherPreprocessingOrRandomWeightsMissTheCache() throws Exception {
        Runs.pipeline("feature-extraction", Map.of(), Runs.trainer(1), cache).run();
        TinyBackbone.ENCODED.set(0);
        PipelineResult scaled = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of("scale", "2"))
                .strategy("feature-extraction", Map.of()).trainer(Runs.trainer(1)).cacheDir(cache).run();
        assertThat(scaled.featureCache().hits()).isZero();
        PipelineResult random = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of("pretrained", "false"))
                .strategy("feature-extraction", Map.of()).trainer(Runs.trainer(1)).cacheDir(cache).run();
        assertThat(random.featureCache().hits()).isZero();
        PipelineResult otherSeed = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of("pretrained", "false"))
                .strategy("feature-extraction", Map.of()).trainer(Runs.trainer(1).withSeed(8)).cacheDir(cache).run();
        assertThat(otherSeed.featureCache().hits()).as("randomly initialised backbone with another seed").isZero();
        assertThat(TinyBackbone.ENCODED.get()).isEqualTo(3 * Runs.DATA.size());
    }

    @Test
    void cachedAndUncachedFeatureExtractionLearnTheSameHead() throws Exception {
        PipelineResult cached = Runs.pipeline("feature-extraction", Map.of(), Runs.trainer(3), cache).run();
        PipelineResult direct = Runs.pipeline("feature-extraction", Map.of("cache", "false"), Runs.trainer(3), cache).run();
        cached.model().weights().forEach((k, v) -> {
            float[] a = v.floats();
            float[] b = direct.model().weights().get(k).floats();
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).as(k + "[" + i + "]").isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        });
    }
}
