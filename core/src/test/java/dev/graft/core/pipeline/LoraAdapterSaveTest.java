package dev.graft.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA's adapter-only save: adapters and head in one small file, reapplied to the base backbone at load. */
class LoraAdapterSaveTest {
    @TempDir
    static Path dir;
    static TrainedModel trained;

    @BeforeAll
    static void train() throws IOException {
        trained = Runs.pipeline("lora", Map.of("targets", "backbone.**.fc.kernel", "rank", "2", "alpha", "3"),
                Runs.trainer(3).withLearningRate(0.05), dir).run().model();
        trained.save(dir.resolve("merged"));
        trained.saveAdapters(dir.resolve("adapters.safetensors"));
    }

    private static Engine engine() {
        return Runs.GRAFT.engines().get("tensorflow");
    }

    @Test
    void adapterOnlySaveReloadedOnTheBasePredictsLikeTheMergedSave() throws IOException {
        TrainedModel merged = TrainedModel.load(dir.resolve("merged"));
        TrainedModel fromAdapters = TrainedModel.loadAdapters(dir.resolve("adapters.safetensors"), engine(),
                Runs.GRAFT.backbones());
        assertThat(fromAdapters.manifest()).isEqualTo(merged.manifest());
        assertThat(fromAdapters.labels()).isEqualTo(merged.labels());
        assertThat(fromAdapters.weights().keySet()).isEqualTo(merged.weights().keySet());
        merged.weights().forEach((k, v) -> {
            float[] a = v.floats();
            float[] b = fromAdapters.weights().get(k).floats();
            for (int i = 0; i < a.length; i++) {
                // alpha/r = 1.5 is kept as a float: the reapplied kernels may differ from the merged ones in the last bit
                assertThat(b[i]).as("%s[%d]", k, i).isCloseTo(a[i], Offset.offset(1e-6f + 1e-6f * Math.abs(a[i])));
            }
        });
        float[][] expected;
        float[][] actual;
        try (Predictor p = Predictor.open(merged, engine(), Runs.GRAFT.backbones())) {
            expected = p.scores(Runs.DATA);
        }
        try (Predictor p = Predictor.open(fromAdapters, engine(), Runs.GRAFT.backbones())) {
            actual = p.scores(Runs.DATA);
        }
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertThat(actual[i][j]).as("example %d score %d", i, j).isCloseTo(expected[i][j], Offset.offset(1e-5f));
            }
        }
        assertThat(fromAdapters.adapterWeights()).containsOnlyKeys(trained.adapterWeights().keySet());
    }

    @Test
    void adapterFileHoldsAdaptersAndHeadButNoBackboneWeight() throws IOException {
        Map<String, HostTensor> file = SafeTensors.read(dir.resolve("adapters.safetensors")).tensors();
        assertThat(file.keySet()).containsAll(trained.adapterWeights().keySet())
                .contains("head.out.kernel").noneMatch(k -> k.startsWith("backbone.") && !k.contains(".lora_"));
        assertThat(file.get("backbone.block1.fc.lora_scale").floats()).containsExactly(1.5f);
        // tensor bytes (on this tiny network the metadata, network definition included, outweighs them;
        // docs/strategies-benchmark.md has the file sizes for MiniLM and BERT-Base)
        long adapterBytes = file.values().stream().mapToLong(HostTensor::byteSize).sum();
        long fullBytes = trained.weights().values().stream().mapToLong(HostTensor::byteSize).sum();
        assertThat(adapterBytes).as("adapter tensors vs full weights (%d bytes)", fullBytes).isLessThan(fullBytes / 2);
    }

    @Test
    void refusesAFileThatIsNotAnAdapterSaveNamingIt() {
        Path weights = dir.resolve("merged").resolve(TrainedModel.WEIGHTS);
        assertThatThrownBy(() -> TrainedModel.loadAdapters(weights, engine(), Runs.GRAFT.backbones()))
                .isInstanceOf(IOException.class).hasMessageContaining(weights.toString())
                .hasMessageContaining("not a Graft adapter file");
    }

    @Test
    void refusesABaseWhoseWeightsAreNotTheOnesTheAdaptersWereTrainedOn() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(dir.resolve("adapters.safetensors"));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put("graft.base.digest", "0".repeat(64));
        meta.keySet().removeIf(k -> k.endsWith("crc32c"));
        Path other = dir.resolve("other-base.safetensors");
        SafeTensors.write(other, c.tensors(), meta);
        assertThatThrownBy(() -> TrainedModel.loadAdapters(other, engine(), Runs.GRAFT.backbones()))
                .isInstanceOf(IOException.class).hasMessageContaining(other.toString())
                .hasMessageContaining("trained on another base").hasMessageContaining("tiny-mlp");
    }

    @Test
    void modelWithoutAdaptersRefusesAnAdapterOnlySave(@TempDir Path d) throws IOException {
        TrainedModel fe = Runs.pipeline("fine-tuning", Map.of(), Runs.trainer(1), d).run().model();
        assertThatThrownBy(() -> fe.saveAdapters(d.resolve("x.safetensors"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fine-tuning").hasMessageContaining("no adapter parameters");
    }
}
