package dev.graft.tests.integration;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offers {@code dense-3}: three dense + BatchNorm + ReLU blocks over {@code float[6]} inputs,
 * randomly initialised (no weights), a real network for module-path tests.
 */
public final class DenseBackboneProvider implements BackboneProvider {
    @Override
    public String id() {
        return "integration-dense";
    }

    @Override
    public Set<String> backbones() {
        return Set.of("dense-3");
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("dense-3 takes no options, got " + options.keySet());
        }
        return new Backbone() {
            @Override
            public String name() {
                return "dense-3";
            }

            @Override
            public List<InputSpec> inputs() {
                return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, 6)));
            }

            @Override
            public Preprocessing preprocessing() {
                return new Preprocessing("identity", Map.of());
            }

            @Override
            public List<Block> blocks() {
                return List.of(new Block("b1", "b1.**"), new Block("b2", "b2.**"), new Block("b3", "b3.**"));
            }

            @Override
            public Node build(NetworkBuilder b, Map<String, Node> inputs) {
                Node x = inputs.get("x");
                for (int i = 1; i <= 3; i++) {
                    try (NetworkBuilder.Scope s = b.scope("b" + i)) {
                        x = b.relu(Layers.batchNorm(b, "bn", Layers.dense(b, "fc", x, 12)));
                    }
                }
                return x;
            }

            @Override
            public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
                float[] v = new float[batch.size() * 6];
                for (int i = 0; i < batch.size(); i++) {
                    System.arraycopy((float[]) batch.get(i).input(), 0, v, i * 6, 6);
                }
                return Map.of("x", HostTensor.of(v, batch.size(), 6));
            }

            @Override
            public Map<String, HostTensor> weights() {
                return Map.of();
            }

            @Override
            public String fingerprint() {
                return "dense-3/random";
            }
        };
    }
}
