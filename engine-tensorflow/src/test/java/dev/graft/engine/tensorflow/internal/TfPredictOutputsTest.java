package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Prediction works out once per list of outputs which inputs it reads, and keeps that per list: each list is then
 * answered from its own inputs, however the calls interleave and whatever the caller does with its list afterwards.
 */
class TfPredictOutputsTest {
    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    private static Network network() {
        NetworkBuilder b = new NetworkBuilder();
        Node a = b.input("a", DType.FLOAT32, -1, 2);
        Node c = b.input("c", DType.FLOAT32, -1, 2);
        b.output("square", b.mul(a, a));
        b.output("double", b.add(c, c));
        return b.build();
    }

    @Test
    void answersEachListOfOutputsFromItsOwnInputs() {
        HostTensor a = HostTensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        HostTensor c = HostTensor.of(new float[] {5, 6, 7, 8}, 2, 2);
        try (CompiledModel m = engine.compile(network(), 0)) {
            for (int round = 0; round < 2; round++) {
                assertThat(m.predict(Map.of("a", a), "square").floats()).containsExactly(1, 4, 9, 16);
                assertThat(m.predict(Map.of("c", c), "double").floats()).containsExactly(10, 12, 14, 16);
                assertThatThrownBy(() -> m.predict(Map.of("a", a), List.of("square", "double")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'c'");
                Map<String, HostTensor> both = m.predict(Map.of("a", a, "c", c), List.of("double", "square"));
                assertThat(both.keySet()).containsExactly("double", "square");
                assertThat(both.get("square").floats()).containsExactly(1, 4, 9, 16);
            }
            List<String> outputs = new ArrayList<>(List.of("square"));
            assertThat(m.predict(Map.of("a", a), outputs).get("square").floats()).containsExactly(1, 4, 9, 16);
            outputs.set(0, "double"); // the caller's list changes: what it asks for now is answered, not what it asked before
            assertThat(m.predict(Map.of("c", c), outputs).get("double").floats()).containsExactly(10, 12, 14, 16);
        }
    }
}
