package dev.graft.core.internal.train;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.HostTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Batches encoded by the backbone from raw examples (augmenting while training, as the backbone decides). */
public final class ExampleBatches implements BatchSource {
    private final Backbone backbone;
    private final List<Example> examples;

    public ExampleBatches(Backbone backbone, List<Example> examples) {
        this.backbone = backbone;
        this.examples = List.copyOf(examples);
    }

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public Map<String, HostTensor> inputs(int[] indices, boolean training, long seed) {
        List<Example> batch = new ArrayList<>(indices.length);
        for (int i : indices) {
            batch.add(examples.get(i));
        }
        return backbone.encode(batch, training, seed);
    }
}
