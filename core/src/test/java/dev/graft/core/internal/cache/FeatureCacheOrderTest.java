package dev.graft.core.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature pass batches examples by length and returns features in input order; its counts add up;
 * a fully cached pass never compiles the backbone. The backbone reads variable-length sequences, pads each
 * batch to its longest member (with a large value where the mask is 0) and pools by masked mean and mean
 * square, so padding must not change a feature.
 */
class FeatureCacheOrderTest {
    private static Engine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void engine() {
        engine = new ServiceLoaderEngineRegistry().get("tensorflow");
    }

    @AfterAll
    static void close() throws Exception {
        if (engine instanceof AutoCloseable c) {
            c.close();
        }
    }

    @Test
    void lengthOrderedPassGivesTheSameFeaturesInInputOrderWithLessPadding() throws Exception {
        List<Example> data = sequences(70, 40, 3);
        SequenceBackbone b = new SequenceBackbone();
        FeatureCache.Tally fileOrder = new FeatureCache.Tally();
        FeatureCache.Tally byLength = new FeatureCache.Tally();
        float[][] plain;
        float[][] sorted;
        try (LazyBackbone m = compiled(b)) {
            plain = new FeatureCache(root.resolve("a"), "k".repeat(64), false).features(b, m, NetworkAssembler.FEATURES, data, 8,
                    fileOrder, null);
            long padsInFileOrder = b.padded;
            b.padded = 0;
            List<int[]> progress = new ArrayList<>();
            sorted = new FeatureCache(root.resolve("b"), "k".repeat(64)).features(b, m, NetworkAssembler.FEATURES, data, 8,
                    byLength, (done, total) -> progress.add(new int[] {done, total}));
            // the tally's padding is what the backbone really padded
            assertThat(fileOrder.paddedTokens() - fileOrder.tokens()).isEqualTo(padsInFileOrder);
            assertThat(byLength.paddedTokens() - byLength.tokens()).isEqualTo(b.padded);
            assertThat(progress.get(0)).containsExactly(0, 70);
            assertThat(progress.get(progress.size() - 1)).containsExactly(70, 70);
            assertThat(progress).hasSize(1 + 9);
        }
        assertThat(byLength.tokens()).isEqualTo(fileOrder.tokens()).isEqualTo(data.stream()
                .mapToLong(e -> ((float[]) e.input()).length).sum());
        long paddingByLength = byLength.paddedTokens() - byLength.tokens();
        long paddingInFileOrder = fileOrder.paddedTokens() - fileOrder.tokens();
        assertThat(paddingByLength).isLessThan(paddingInFileOrder / 3);
        assertThat(byLength.batches()).isEqualTo(fileOrder.batches()).isEqualTo(9);
        for (int i = 0; i < data.size(); i++) {
            float[] want = reference(b, (float[]) data.get(i).input());
            for (int j = 0; j < want.length; j++) {
                assertThat(plain[i][j]).as("file order, example %d feature %d", i, j).isCloseTo(want[j], Offset.offset(1e-5f));
                assertThat(sorted[i][j]).as("by length, example %d feature %d", i, j).isCloseTo(plain[i][j], Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void countsAddUpWithRepeatedInputsAndAFullyCachedPassNeverCompilesTheBackbone() throws Exception {
        List<Example> data = new ArrayList<>(sequences(30, 12, 5));
        // the same input under other sources: repeated, computed once
        data.add(new Example("repeat-of-3", data.get(3).input(), "a"));
        data.add(new Example("repeat-of-7", ((float[]) data.get(7).input()).clone(), "b"));
        data.add(new Example("again-3", data.get(3).input(), "b"));
        SequenceBackbone b = new SequenceBackbone();
        String key = "c".repeat(64);
        List<Example> train = data.subList(0, 25);
        List<Example> validation = data.subList(25, data.size()); // holds inputs the training part has too
        FeatureCache.Tally cold = new FeatureCache.Tally();
        FeatureCache first = new FeatureCache(root, key);
        float[][] coldTrain;
        float[][] coldVal;
        try (LazyBackbone m = compiled(b)) {
            coldTrain = first.features(b, m, NetworkAssembler.FEATURES, train, 8, cold, null);
            coldVal = first.features(b, m, NetworkAssembler.FEATURES, validation, 8, cold, null);
            assertThat(m.compiled()).isTrue();
        }
        assertThat(cold.examples()).isEqualTo(33);
        assertThat(cold.computed()).isEqualTo(30);
        assertThat(cold.repeated()).isEqualTo(3);
        assertThat(cold.fromDisk()).isZero();
        assertThat(b.encoded).isEqualTo(30);
        assertThat(coldVal[validation.size() - 1]).isSameAs(coldTrain[3]);

        // a partly cached pass: what is on disk is read, only the new inputs computed
        List<Example> more = new ArrayList<>(data);
        more.addAll(sequences(5, 12, 99));
        b.encoded = 0;
        FeatureCache.Tally partly = new FeatureCache.Tally();
        try (LazyBackbone m = compiled(b)) {
            new FeatureCache(root, key).features(b, m, NetworkAssembler.FEATURES, more, 8, partly, null);
        }
        assertThat(partly.fromDisk()).isEqualTo(30);
        assertThat(partly.computed()).isEqualTo(5);
        assertThat(partly.repeated()).isEqualTo(3);
        assertThat(partly.fromDisk() + partly.computed() + partly.repeated()).isEqualTo(partly.examples()).isEqualTo(more.size());
        assertThat(b.encoded).isEqualTo(5);

        b.encoded = 0;
        FeatureCache.Tally warm = new FeatureCache.Tally();
        FeatureCache second = new FeatureCache(root, key);
        int[] compiles = {0};
        float[][] warmTrain;
        try (LazyBackbone m = new LazyBackbone(() -> {
            compiles[0]++;
            return compile(b);
        })) {
            warmTrain = second.features(b, m, NetworkAssembler.FEATURES, train, 8, warm, (d, t) -> compiles[0] += 100);
            second.features(b, m, NetworkAssembler.FEATURES, validation, 8, warm, null);
            assertThat(m.compiled()).isFalse();
        }
        assertThat(compiles[0]).as("compilations and progress calls of a fully cached pass").isZero();
        assertThat(b.encoded).isZero();
        assertThat(warm.fromDisk()).isEqualTo(30);
        assertThat(warm.repeated()).isEqualTo(3);
        assertThat(warm.computed()).isZero();
        assertThat(warm.batches()).isZero();
        for (int i = 0; i < train.size(); i++) {
            assertThat(warmTrain[i]).as("example %d", i).containsExactly(coldTrain[i]);
        }
    }

    private static LazyBackbone compiled(SequenceBackbone b) {
        return new LazyBackbone(() -> compile(b));
    }

    private static CompiledModel compile(SequenceBackbone b) {
        CompiledModel m = engine.compile(NetworkAssembler.backboneOnly(b), 5);
        m.setParameters(b.weights());
        return m;
    }

    /** Sequences of 1 to {@code maxLength} values, in random order of length. */
    private static List<Example> sequences(int n, int maxLength, long seed) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[1 + r.nextInt(maxLength)];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) r.nextGaussian();
            }
            out.add(new Example("seq-" + seed + "-" + i, v, i % 2 == 0 ? "a" : "b"));
        }
        return out;
    }

    /** The backbone's features of one sequence, in plain Java. */
    private static float[] reference(SequenceBackbone b, float[] x) {
        double mean = 0;
        double square = 0;
        for (float v : x) {
            mean += v;
            square += v * v;
        }
        mean /= x.length;
        square /= x.length;
        float[] k = b.weights().get("backbone.fc.kernel").floats();
        float[] bias = b.weights().get("backbone.fc.bias").floats();
        float[] out = new float[SequenceBackbone.WIDTH];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) Math.tanh(mean * k[j] + square * k[out.length + j] + bias[j]);
        }
        return out;
    }

    /** Variable-length sequences of numbers: masked mean and mean square, then a dense layer with tanh. */
    static final class SequenceBackbone implements Backbone {
        static final int WIDTH = 6;
        long padded;
        int encoded;
        private Map<String, HostTensor> weights;

        @Override
        public String name() {
            return "sequences";
        }

        @Override
        public List<InputSpec> inputs() {
            return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, -1)), new InputSpec("mask", DType.FLOAT32, Shape.of(-1, -1)));
        }

        @Override
        public Preprocessing preprocessing() {
            return new Preprocessing("none", Map.of());
        }

        @Override
        public List<Block> blocks() {
            return List.of(new Block("fc", "fc.**"));
        }

        @Override
        public Node build(NetworkBuilder b, Map<String, Node> in) {
            Node x = in.get("x");
            Node mask = in.get("mask");
            Node count = b.sum(mask, true, 1);
            Node masked = b.mul(x, mask);
            Node mean = b.div(b.sum(masked, true, 1), count);
            Node square = b.div(b.sum(b.mul(masked, x), true, 1), count);
            return b.tanh(Layers.dense(b, "fc", b.concat(1, mean, square), WIDTH, true, Initializer.glorotUniform()));
        }

        @Override
        public int sequenceLength(Example example) {
            return ((float[]) example.input()).length;
        }

        @Override
        public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
            int t = batch.stream().mapToInt(this::sequenceLength).max().orElse(0);
            float[] x = new float[batch.size() * t];
            float[] mask = new float[batch.size() * t];
            java.util.Arrays.fill(x, 1000f);
            for (int i = 0; i < batch.size(); i++) {
                float[] v = (float[]) batch.get(i).input();
                System.arraycopy(v, 0, x, i * t, v.length);
                java.util.Arrays.fill(mask, i * t, i * t + v.length, 1f);
                padded += t - v.length;
            }
            encoded += batch.size();
            return Map.of("x", HostTensor.of(x, batch.size(), t), "mask", HostTensor.of(mask, batch.size(), t));
        }

        @Override
        public synchronized Map<String, HostTensor> weights() {
            if (weights == null) {
                NetworkBuilder nb = new NetworkBuilder();
                Node x = nb.input("x", DType.FLOAT32, -1, -1);
                Node mask = nb.input("mask", DType.FLOAT32, -1, -1);
                try (NetworkBuilder.Scope s = nb.scope("backbone")) {
                    nb.output("f", build(nb, Map.of("x", x, "mask", mask)));
                }
                weights = nb.build().initialValues(31);
            }
            return weights;
        }

        @Override
        public String fingerprint() {
            return "sequences/31";
        }
    }
}
