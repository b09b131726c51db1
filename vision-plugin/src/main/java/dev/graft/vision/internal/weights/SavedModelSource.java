package dev.graft.vision.internal.weights;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables of an opened TensorFlow SavedModel. Names are the variable op names
 * ({@code conv1_conv/kernel} for a Keras model, {@code var_param_<name>} for one Graft exported).
 * The SavedModel stays owned by the caller.
 */
public final class SavedModelSource implements TensorSource {
    private final String description;
    private final SavedModel model;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public SavedModelSource(String description, SavedModel model) {
        this.description = description;
        this.model = model;
        for (Map.Entry<String, Shape> e : model.variables().entrySet()) {
            shapes.put(e.getKey(), e.getValue().dims());
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public float[] read(String name) {
        HostTensor t = model.readVariables(List.of(name)).get(name);
        return t.floats();
    }

    @Override
    public void close() {
        // the caller owns the SavedModel
    }
}
