package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.internal.cache.BackboneWeightsFile;
import dev.graft.core.internal.heads.LinearHeadFactory;
import dev.graft.core.internal.strategies.FeatureExtractionStrategy;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.ForwardingBackbone;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.Data;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.io.FileTensors;
import dev.graft.engine.spi.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A feature-extraction run whose features all come from the cache never compiles the backbone (it
 * reads the cache and trains the head) and learns the same model as the run that computed them.
 */
class CachedFeatureRunTest {
    private static Engine tensorflow;

    @TempDir
    Path cache;

    @BeforeAll
    static void engine() {
        tensorflow = new ServiceLoaderEngineRegistry().get("tensorflow");
    }

    @AfterAll
    static void close() throws Exception {
        if (tensorflow instanceof AutoCloseable c) {
            c.close();
        }
    }

    @Test
    void fullyCachedRunNeverCompilesTheBackboneAndPredictsTheSame() throws Exception {
        List<Example> data = new ArrayList<>(Data.clusters(3, 20, 8, 4));
        data.add(new Example("repeat", data.get(0).input(), data.get(0).label())); // a repeated input
        CountingEngine engine = new CountingEngine(tensorflow);
        List<int[]> progress = new ArrayList<>();

        PipelineRunner.Outcome cold = PipelineRunner.run(request(engine, data, progress, "sgd"));
        assertThat(engine.backboneCompiles.get()).as("backbone compilations of the cold run").isEqualTo(1);
        assertThat(cold.cache().computed()).isEqualTo(data.size() - 1);
        assertThat(cold.cache().repeated()).isEqualTo(1);
        assertThat(cold.cache().hits() + cold.cache().computed() + cold.cache().repeated()).isEqualTo(data.size());
        assertThat(progress.get(progress.size() - 1)).containsExactly(data.size() - 1, data.size() - 1);

        engine.backboneCompiles.set(0);
        engine.headCompiles.set(0);
        progress.clear();
        PipelineRunner.Outcome warm = PipelineRunner.run(request(engine, data, progress, "sgd"));
        assertThat(engine.backboneCompiles.get()).as("backbone compilations of the fully cached run").isZero();
        assertThat(engine.headCompiles.get()).as("the head is still trained").isEqualTo(1);
        assertThat(progress).as("no feature progress when nothing is computed").isEmpty();
        assertThat(warm.cache().hits()).isEqualTo(data.size() - 1);
        assertThat(warm.cache().repeated()).isEqualTo(1);
        assertThat(warm.cache().computed()).isZero();
        assertThat(warm.cache().backboneBatches()).isZero();

        // the saved model is complete (backbone weights included) and predicts exactly as the cold run's
        assertThat(warm.weights().keySet()).isEqualTo(cold.weights().keySet());
        warm.weights().forEach((k, v) -> assertThat(v.bitEquals(cold.weights().get(k))).as(k).isTrue());
        float[] a = predict(cold, data);
        float[] b = predict(warm, data);
        assertThat(b).containsExactly(a);
    }

    @Test
    void fullyCachedRunReadsNoBackboneWeightsAndSavesTheSameFileFromTheBackboneWeightsFile() throws Exception {
        List<Example> data = Data.clusters(3, 20, 8, 5);
        AtomicInteger reads = new AtomicInteger();
        PipelineRunner.Outcome cold = PipelineRunner.run(request(tensorflow, data, new ArrayList<>(), "sgd", reads));
        assertThat(reads.get()).as("weight reads of the cold run").isEqualTo(1);
        Path weightsFile = Path.of(cold.cache().directory()).resolve(BackboneWeightsFile.NAME);
        assertThat(weightsFile).isRegularFile();
        Path coldSaved = cache.resolve("cold.safetensors");
        SafeTensors.write(coldSaved, cold.weights(), Map.of("graft.format", "1")); // from memory (the mapped views)

        reads.set(0);
        PipelineRunner.Outcome warm = PipelineRunner.run(request(tensorflow, data, new ArrayList<>(), "sgd", reads));
        assertThat(reads.get()).as("weight reads of the fully cached run").isZero();
        assertThat(warm.weightFiles()).hasSize(1);
        assertThat(warm.weightFiles().get(0).file()).isEqualTo(weightsFile);
        long fromFile = warm.weights().entrySet().stream().filter(e -> warm.weightFiles().get(0).holds(e.getValue())).count();
        assertThat(fromFile).as("backbone weights that are views of the file").isEqualTo(
                warm.network().params().keySet().stream().filter(n -> n.startsWith(NetworkAssembler.BACKBONE_SCOPE + ".")).count())
                .isPositive();
        Path warmSaved = cache.resolve("warm.safetensors");
        SafeTensors.write(warmSaved, warm.weights(), warm.weightFiles(), Map.of("graft.format", "1"));
        assertThat(Files.readAllBytes(warmSaved)).isEqualTo(Files.readAllBytes(coldSaved));

        // a damaged weights file is read no more: the weights are read from the backbone again and the file rewritten
        byte[] bytes = Files.readAllBytes(weightsFile);
        bytes[bytes.length - 5] ^= 0x40;
        Files.write(weightsFile, bytes);
        reads.set(0);
        PipelineRunner.Outcome again = PipelineRunner.run(request(tensorflow, data, new ArrayList<>(), "sgd", reads));
        assertThat(reads.get()).isEqualTo(1);
        Path againSaved = cache.resolve("again.safetensors");
        SafeTensors.write(againSaved, again.weights(), again.weightFiles(), Map.of("graft.format", "1"));
        assertThat(Files.readAllBytes(againSaved)).isEqualTo(Files.readAllBytes(coldSaved));
        FileTensors.open(weightsFile).close(); // checks again
    }

    private PipelineRunner.Request request(Engine engine, List<Example> data, List<int[]> progress, String head) {
        return request(engine, data, progress, head, new AtomicInteger());
    }

    private PipelineRunner.Request request(Engine engine, List<Example> data, List<int[]> progress, String head,
            AtomicInteger weightReads) {
        TrainerConfig tc = TrainerConfig.defaults().withEpochs(3).withBatchSize(16).withLearningRate(0.01).withSeed(7)
                .withProgress(false);
        RunContext ctx = RunContext.of(engine, cache, 7, (n, o, c) -> {
            throw new IllegalStateException("no other backbones here");
        });
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onFeatures(int done, int total) {
                progress.add(new int[] {done, total});
            }
        };
        return new PipelineRunner.Request(new FeatureExtractionStrategy(), Map.of("head", head), "feature-extraction",
                () -> new CountingBackbone(new TinyBackbone(8, 16, true, 1), weightReads), new LinearHeadFactory(), Task.CLASSIFICATION, List.of(), 0, "linear",
                ctx, tc, data, null, List.of(listener));
    }

    private static float[] predict(PipelineRunner.Outcome o, List<Example> data) {
        TinyBackbone b = new TinyBackbone(8, 16, true, 1);
        try (CompiledModel m = tensorflow.compile(o.network(), 7)) {
            m.setParameters(o.weights());
            return m.predict(b.encode(data, false, 0), o.predictionOutput()).floats();
        }
    }

    /** A backbone counting the calls that read its weights (its names come from the backbone it wraps). */
    private static final class CountingBackbone extends ForwardingBackbone {
        private final AtomicInteger reads;

        CountingBackbone(dev.graft.core.spi.Backbone b, AtomicInteger reads) {
            super(b);
            this.reads = reads;
        }

        @Override
        public Map<String, HostTensor> weights() {
            reads.incrementAndGet();
            return delegate().weights();
        }
    }

    /** The TensorFlow engine, counting the networks it compiles that hold backbone parameters and those that do not. */
    private static final class CountingEngine implements Engine {
        final AtomicInteger backboneCompiles = new AtomicInteger();
        final AtomicInteger headCompiles = new AtomicInteger();
        private final Engine engine;

        CountingEngine(Engine engine) {
            this.engine = engine;
        }

        @Override
        public String id() {
            return engine.id();
        }

        @Override
        public String version() {
            return engine.version();
        }

        @Override
        public Set<Capability> capabilities() {
            return engine.capabilities();
        }

        @Override
        public Map<String, String> describe() {
            return engine.describe();
        }

        @Override
        public CompiledModel compile(Network network, long seed) {
            boolean backbone = network.params().keySet().stream().anyMatch(p -> p.startsWith(NetworkAssembler.BACKBONE_SCOPE + "."));
            (backbone ? backboneCompiles : headCompiles).incrementAndGet();
            return engine.compile(network, seed);
        }
    }
}
