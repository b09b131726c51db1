package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.ForwardingBackbone;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.engine.spi.HostTensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The input pipeline as the trainer runs it: while a batch trains, the next one is encoded (and
 * augmented, seeded per batch) on a background thread; the batches are the same, bit for bit and
 * in order, as encoding each on demand.
 */
class ExampleBatchesPrefetchTest {
    /** Encodes like TinyBackbone, plus seeded noise while training (as image augmentation is seeded); records threads. */
    private static final class Augmenting extends ForwardingBackbone {
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());

        Augmenting() {
            super(new TinyBackbone(3, 4, false, 1));
        }

        @Override
        public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
            threads.add(Thread.currentThread().getName());
            float[] v = super.encode(batch, training, seed).get("x").floats().clone();
            if (training) {
                SplittableRandom r = new SplittableRandom(seed);
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) r.nextGaussian();
                }
            }
            return Map.of("x", HostTensor.of(v, batch.size(), 3));
        }
    }

    private static List<Example> examples(int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Example("e" + i, new float[] {i, -i, i * 0.5f}, "a"));
        }
        return out;
    }

    private static boolean same(Map<String, HostTensor> a, Map<String, HostTensor> b) {
        return a.get("x").bitEquals(b.get("x"));
    }

    @Test
    void prefetchedBatchesAreTheSameInTheSameOrderAndEncodedOffTheTrainingThread() {
        List<Example> ex = examples(10);
        Augmenting rec = new Augmenting();
        ExampleBatches prefetching = new ExampleBatches(rec, ex);
        ExampleBatches direct = new ExampleBatches(new Augmenting(), ex);
        int[][] order = {{3, 1, 4}, {0, 5, 9}, {2, 6, 8}, {7}};
        for (int b = 0; b < order.length; b++) {
            Map<String, HostTensor> got = prefetching.inputs(order[b], true, 100 + b);
            if (b + 1 < order.length) {
                prefetching.prefetch(order[b + 1], true, 100 + b + 1);
            }
            assertThat(same(got, direct.inputs(order[b], true, 100 + b))).as("batch " + b).isTrue();
        }
        assertThat(rec.threads).hasSize(4);
        assertThat(rec.threads.get(0)).isEqualTo(Thread.currentThread().getName());
        assertThat(rec.threads.subList(1, 4)).containsOnly("graft-input-pipeline");
    }

    @Test
    void aRequestForAnotherBatchThanThePrefetchedOneGetsItsOwnBatch() {
        List<Example> ex = examples(6);
        ExampleBatches b = new ExampleBatches(new Augmenting(), ex);
        ExampleBatches direct = new ExampleBatches(new Augmenting(), ex);
        b.prefetch(new int[] {0, 1}, true, 7);
        assertThat(same(b.inputs(new int[] {0, 1}, true, 8), direct.inputs(new int[] {0, 1}, true, 8))).isTrue();
        b.prefetch(new int[] {2, 3}, true, 9);
        assertThat(same(b.inputs(new int[] {2, 4}, true, 9), direct.inputs(new int[] {2, 4}, true, 9))).isTrue();
        b.prefetch(new int[] {2, 4}, true, 9);
        assertThat(same(b.inputs(new int[] {2, 4}, false, 9), direct.inputs(new int[] {2, 4}, false, 9))).isTrue();
    }

    @Test
    void aFailureInAPrefetchedBatchFailsTheRequestForThatBatchInTheCallersThread() {
        List<Example> ex = new ArrayList<>(examples(2));
        ex.add(new Example("broken", "not a vector", "a"));
        Backbone bb = new Augmenting();
        ExampleBatches b = new ExampleBatches(bb, ex);
        b.prefetch(new int[] {0, 2}, true, 1);
        assertThatThrownBy(() -> b.inputs(new int[] {0, 2}, true, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("broken");
        assertThat(b.inputs(new int[] {0, 1}, true, 1).get("x").shape().dims()).containsExactly(2, 3);
    }
}
