package dev.graft.core.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.PrecomputedFeatures;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Examples that carry their backbone's vectors: used as given by that backbone, refused by any other. */
class FeatureCachePrecomputedTest {
    private static final String KEY = "k".repeat(64);
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

    private static LazyBackbone compiled(FeatureCacheOrderTest.SequenceBackbone b) {
        return new LazyBackbone(() -> {
            CompiledModel m = engine.compile(NetworkAssembler.backboneOnly(b), 5);
            m.setParameters(b.weights());
            return m;
        });
    }

    private static List<Example> sequences(int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[1 + (i * 7) % 11];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) Math.sin(i + 0.3 * j);
            }
            out.add(new Example("seq-" + i, v, i % 2 == 0 ? "a" : "b"));
        }
        return out;
    }

    @Test
    void givenVectorsOfThisBackboneAreUsedAsTheyAreAndTheRestComputed() throws Exception {
        var b = new FeatureCacheOrderTest.SequenceBackbone();
        List<Example> raw = sequences(10);
        float[][] ref;
        try (LazyBackbone m = compiled(b)) {
            ref = new FeatureCache(root.resolve("ref"), KEY).features(b, m, NetworkAssembler.FEATURES, raw, 4,
                    new FeatureCache.Tally(), null);
        }
        List<Example> mixed = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Example e = raw.get(i);
            // the even ones carry a vector that is not the backbone's (scaled), so using it as given is visible
            float[] given = ref[i].clone();
            for (int j = 0; j < given.length; j++) {
                given[j] *= 3;
            }
            mixed.add(i % 2 == 0 ? new Example(e.source(), new PrecomputedFeatures(given, KEY, "seq"), e.label()) : e);
        }
        FeatureCache.Tally t = new FeatureCache.Tally();
        float[][] got;
        try (LazyBackbone m = compiled(b)) {
            got = new FeatureCache(root.resolve("mixed"), KEY).features(b, m, NetworkAssembler.FEATURES, mixed, 4, t, null);
        }
        for (int i = 0; i < raw.size(); i++) {
            float[] want = ref[i].clone();
            for (int j = 0; i % 2 == 0 && j < want.length; j++) {
                want[j] *= 3;
            }
            assertThat(got[i]).as("example %d", i).containsExactly(want);
        }
        assertThat(t.examples()).isEqualTo(10);
        assertThat(t.fromDisk()).isEqualTo(5);
        assertThat(t.computed()).isEqualTo(5);
        // all given: the backbone is never compiled
        List<Example> all = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            all.add(new Example("row " + i, new PrecomputedFeatures(ref[i], KEY, "seq"), "a"));
        }
        try (LazyBackbone m = compiled(b)) {
            float[][] f = new FeatureCache(root.resolve("all"), KEY).features(b, m, NetworkAssembler.FEATURES, all, 4,
                    new FeatureCache.Tally(), null);
            assertThat(f[7]).containsExactly(ref[7]);
            assertThat(m.compiled()).isFalse();
        }
    }

    @Test
    void vectorsOfAnotherBackboneOrOfAnotherLengthAreRefusedByExample() {
        var b = new FeatureCacheOrderTest.SequenceBackbone();
        List<Example> other = List.of(new Example("row 1", new PrecomputedFeatures(new float[] {1, 2}, KEY, "seq"), "a"),
                new Example("row 2", new PrecomputedFeatures(new float[] {1, 2}, "x".repeat(64), "'resnet50' (seed 42)"), "b"));
        assertThatThrownBy(() -> new FeatureCache(root, KEY).features(b, compiled(b), NetworkAssembler.FEATURES, other, 4,
                new FeatureCache.Tally(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("row 2: its features were computed by 'resnet50' (seed 42), not by this run's backbone '"
                        + b.name() + "'");
        List<Example> lengths = List.of(new Example("row 1", new PrecomputedFeatures(new float[] {1, 2}, KEY, "seq"), "a"),
                new Example("row 2", new PrecomputedFeatures(new float[] {1, 2, 3}, KEY, "seq"), "b"));
        assertThatThrownBy(() -> new FeatureCache(root, KEY).features(b, compiled(b), NetworkAssembler.FEATURES, lengths, 4,
                new FeatureCache.Tally(), null)).hasMessage("row 2: 3 features, but row 1 has 2");
    }
}
