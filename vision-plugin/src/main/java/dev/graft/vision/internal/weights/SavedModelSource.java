package dev.graft.vision.internal.weights;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.weights.WeightImportException;
import dev.graft.weights.TensorBundle;
import dev.graft.weights.WeightFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables of a TensorFlow SavedModel, read from its {@code variables/} tensor bundle in
 * plain Java: no engine opens the model and nothing in its graph runs. Names are the variables'
 * own names: {@code conv1_conv/kernel} for a Keras model (TensorFlow 2 checkpoints key variables
 * by object path, {@code layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE}, and record each
 * variable's name in the object graph), {@code var_param_<name>} for one Graft exported (TensorFlow
 * 1-style keys, which are the variable names).
 */
public final class SavedModelSource implements TensorSource {
    private final String description;
    private final TensorBundle bundle;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public SavedModelSource(Path dir) {
        this.description = dir.toString();
        try {
            this.bundle = TensorBundle.openSavedModel(dir);
        } catch (WeightFileException e) {
            throw new WeightImportException("SavedModel " + dir + ": " + e.getMessage(), e);
        }
        try {
            Map<String, String> names = bundle.variableNames();
            for (TensorBundle.Entry e : bundle.entries().values()) {
                if (!e.readable() || e.dtype() != TensorBundle.Entry.DT_FLOAT) {
                    continue;
                }
                String name = names.getOrDefault(e.name(), e.name());
                if (keys.putIfAbsent(name, e.name()) == null) {
                    shapes.put(name, e.shape().dims());
                }
            }
        } catch (WeightFileException e) {
            bundle.close();
            throw new WeightImportException("SavedModel " + dir + ": " + e.getMessage(), e);
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
        String key = keys.get(name);
        if (key == null) {
            throw new WeightImportException("SavedModel " + description + " has no float32 variable '" + name + "'",
                    (dev.graft.vision.weights.ImportReport) null);
        }
        try {
            HostTensor t = bundle.read(key);
            if (t.dtype() != DType.FLOAT32) {
                throw new WeightImportException("SavedModel " + description + ": variable '" + name + "' is " + t.dtype()
                        + ", expected float32", (dev.graft.vision.weights.ImportReport) null);
            }
            return t.floats();
        } catch (WeightFileException e) {
            throw new WeightImportException("SavedModel " + description + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        bundle.close();
    }
}
