package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.Graft;
import dev.graft.core.internal.order.LengthOrder;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.HeadSpec;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.graph.Network;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The longest-first order of inference passes, and {@link Trainer#predict} answering each example at its own row in it. */
class LengthOrderTest {

    private static List<Example> texts(int... lengths) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            out.add(new Example("t" + i, "x".repeat(lengths[i]), "a"));
        }
        return out;
    }

    @Test
    void longestFirstStableAndOnlyWhereItCanHelp() {
        assertThat(LengthOrder.longestFirst(texts(3, 9, 1, 9, 5), 2)).containsExactly(1, 3, 4, 0, 2);
        assertThat(LengthOrder.longestFirst(texts(3, 9, 1), 3)).as("one batch").isNull();
        assertThat(LengthOrder.longestFirst(texts(4, 4, 4, 4), 2)).as("one length").isNull();
        List<Example> images = List.of(new Example("a", new float[2], "a"), new Example("b", new float[2], "a"),
                new Example("c", new float[2], "a"));
        assertThat(LengthOrder.longestFirst(images, 2)).as("not texts").isNull();
        List<Example> pairs = List.of(new Example("p0", new Example.TextPair("ab", "c"), "a"),
                new Example("p1", new Example.TextPair("a", "bcdef"), "a"), new Example("p2", new Example.TextPair("abcd", null), "a"));
        assertThat(LengthOrder.longestFirst(pairs, 1)).as("a pair counts both texts").containsExactly(1, 2, 0);
    }

    @Test
    void predictAnswersEachExampleAtItsOwnRowInAnyOrder() {
        Graft g = Graft.create();
        LabelCodec codec = new LabelCodec(Task.CLASSIFICATION, List.of("a", "b", "c"));
        Network net = NetworkAssembler.headOnly(4, g.head("linear"), new HeadSpec(Task.CLASSIFICATION, codec.outputs(), List.of(), 0), codec);
        float[][] f = new float[11][4];
        for (int i = 0; i < f.length; i++) {
            for (int j = 0; j < 4; j++) {
                f[i][j] = (float) Math.sin(1.3 * i + 0.7 * j);
            }
        }
        List<Example> ex = texts(2, 7, 1, 9, 3, 3, 8, 1, 6, 4, 5);
        int[] order = LengthOrder.longestFirst(ex, 4);
        assertThat(order).isNotNull();
        try (CompiledModel m = g.engines().get(null).compile(net, 3)) {
            FeatureBatches source = new FeatureBatches(f, NetworkAssembler.FEATURES);
            float[][] given = Trainer.predict(m, source, f.length, 4, NetworkAssembler.LOGITS, null);
            float[][] sorted = Trainer.predict(m, source, f.length, 4, NetworkAssembler.LOGITS, order);
            for (int i = 0; i < f.length; i++) {
                for (int j = 0; j < given[i].length; j++) {
                    assertThat(sorted[i][j]).as("example %d, output %d", i, j).isCloseTo(given[i][j], within(1e-6f));
                }
            }
        }
    }
}
