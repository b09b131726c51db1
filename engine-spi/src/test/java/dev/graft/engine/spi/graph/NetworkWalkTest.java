package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Network#ancestors} and {@link Network#inputsFor} against a plain recursive walk, and the order they rely on. */
class NetworkWalkTest {

    /** A random network: four inputs, then nodes that each add two earlier nodes, some of them outputs. */
    private static Network random(long seed, int size) {
        Random r = new Random(seed);
        NetworkBuilder b = new NetworkBuilder();
        List<Node> made = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            made.add(b.input("in" + i, DType.FLOAT32, -1, 3));
        }
        for (int i = 0; i < size; i++) {
            // mostly recent nodes, sometimes an input, so that outputs depend on different inputs
            Node x = made.get(r.nextInt(4) == 0 ? r.nextInt(4) : Math.max(0, made.size() - 1 - r.nextInt(6)));
            Node y = made.get(r.nextInt(4) == 0 ? r.nextInt(4) : Math.max(0, made.size() - 1 - r.nextInt(6)));
            made.add(b.add(x, y));
            if (r.nextInt(7) == 0) {
                b.output("out" + i, made.get(made.size() - 1));
            }
        }
        b.output("last", made.get(made.size() - 1));
        return b.build();
    }

    private static void walk(Network n, int id, BitSet seen) {
        if (!seen.get(id)) {
            seen.set(id);
            n.node(id).inputs().forEach(i -> walk(n, i, seen));
        }
    }

    @Test
    void ancestorsAndInputsMatchARecursiveWalk() {
        for (long seed = 1; seed <= 20; seed++) {
            Network n = random(seed, 60);
            Random r = new Random(seed * 31);
            List<String> outs = new ArrayList<>(n.outputs().keySet());
            for (int t = 0; t < 10; t++) {
                List<String> asked = new ArrayList<>();
                BitSet expected = new BitSet();
                for (int k = 0, m = 1 + r.nextInt(3); k < m; k++) {
                    String o = outs.get(r.nextInt(outs.size()));
                    asked.add(o);
                    walk(n, n.output(o).id(), expected);
                }
                int[] ids = asked.stream().mapToInt(o -> n.output(o).id()).toArray();
                assertThat(n.ancestors(ids)).as("seed %d, %s", seed, asked).isEqualTo(expected);
                List<String> inputs = new ArrayList<>();
                n.inputs().forEach((name, id) -> {
                    if (expected.get(id)) {
                        inputs.add(name);
                    }
                });
                assertThat(n.inputsFor(asked)).as("seed %d, %s", seed, asked).isEqualTo(inputs);
            }
        }
    }

    @Test
    void inputsForIsWorkedOutOnceAndCannotBeChanged() {
        Network n = random(3, 40);
        List<String> first = n.inputsFor(List.of("last"));
        assertThat(n.inputsFor(new ArrayList<>(List.of("last")))).isSameAs(first);
        assertThatThrownBy(() -> first.add("x")).isInstanceOf(UnsupportedOperationException.class);
        BitSet a = n.ancestors(n.output("last").id());
        a.clear();
        assertThat(n.ancestors(n.output("last").id()).isEmpty()).as("each call returns its own set").isFalse();
        assertThatThrownBy(() -> n.inputsFor(List.of("nope"))).hasMessageContaining("nope");
        assertThatThrownBy(() -> n.ancestors(999)).hasMessageContaining("no node 999");
    }

    @Test
    void refusesNodesOutOfTopologicalOrder() {
        Network n = random(5, 5);
        List<Node> nodes = new ArrayList<>(n.nodes());
        Node late = nodes.get(5);
        // node 5 made to read node 7, which comes after it
        nodes.set(5, new Node(late.id(), late.op(), List.of(late.inputs().get(0), 7), late.attrs(), late.shape(), late.dtype(), late.name()));
        assertThatThrownBy(() -> Network.of(nodes, n.params(), n.inputs(), n.outputs(), null))
                .hasMessageContaining("node 5").hasMessageContaining("reads node 7").hasMessageContaining("topological order");
        List<Node> shuffled = new ArrayList<>(n.nodes());
        java.util.Collections.swap(shuffled, 1, 2);
        assertThatThrownBy(() -> Network.of(shuffled, n.params(), n.inputs(), Map.of(), null)).hasMessageContaining("ids must be positions");
    }
}
