package dev.graft.vision.internal.weights;

import dev.graft.vision.weights.ImportReport;
import dev.graft.vision.weights.WeightImportException;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Keras HDF5 weight file (keras.applications' {@code *_weights_tf_dim_ordering_tf_kernels*.h5},
 * {@code model.save_weights(...h5)}, or a whole-model {@code .h5} whose weights sit under
 * {@code model_weights}). The root lists {@code layer_names}; each layer group lists
 * {@code weight_names} such as {@code conv1_conv/kernel:0}, stored at
 * {@code <layer>/<weight name>}. Tensors are exposed as {@code <layer>/<weight>} ({@code conv1_conv/kernel}).
 */
public final class KerasH5Source implements TensorSource {
    private final Path file;
    private final HdfFile hdf;
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();

    public KerasH5Source(Path file) {
        this.file = file;
        try {
            hdf = new HdfFile(file);
        } catch (RuntimeException e) {
            throw new WeightImportException("cannot read HDF5 file " + file + ": " + e.getMessage(), e);
        }
        try {
            index();
        } catch (WeightImportException e) {
            hdf.close();
            throw e;
        } catch (RuntimeException e) {
            hdf.close();
            throw new WeightImportException("Keras weight file " + file + " is malformed: " + e, e);
        }
    }

    private void index() {
        Group root = hdf;
        Node mw = hdf.getChildren().get("model_weights");
        if (mw instanceof Group g) {
            root = g;
        }
        String[] layers = strings(root, "layer_names");
        for (String layer : layers) {
            Node ln = root.getChild(layer);
            if (!(ln instanceof Group lg)) {
                throw bad("layer_names lists '" + layer + "' but there is no such group");
            }
            for (String w : strings(lg, "weight_names")) {
                Node n;
                try {
                    n = lg.getByPath(w);
                } catch (RuntimeException e) {
                    n = null;
                }
                if (!(n instanceof Dataset d)) {
                    throw bad("layer '" + layer + "' lists weight '" + w + "' but there is no such dataset");
                }
                datasets.put(layer + "/" + weightName(w), d);
            }
        }
    }

    /** {@code conv1_conv/kernel:0} to {@code kernel}. */
    static String weightName(String w) {
        String base = w.substring(w.lastIndexOf('/') + 1);
        int colon = base.indexOf(':');
        return colon < 0 ? base : base.substring(0, colon);
    }

    private String[] strings(Group g, String attr) {
        Attribute a = g.getAttribute(attr);
        if (a == null && attr.equals("weight_names") && g.getChildren().isEmpty()) {
            return new String[0];
        }
        if (a == null) {
            throw bad("group '" + g.getPath() + "' has no '" + attr + "' attribute; this is not a Keras weight file");
        }
        Object data = a.getData();
        if (data != null && data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == 0) {
            return new String[0];
        }
        if (data instanceof String[] s) {
            return s;
        }
        if (data instanceof String s) {
            return new String[] {s};
        }
        throw bad("attribute '" + attr + "' of '" + g.getPath() + "' is " + data.getClass().getSimpleName() + ", not strings");
    }

    private WeightImportException bad(String msg) {
        return new WeightImportException("Keras weight file " + file + ": " + msg, (ImportReport) null);
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        datasets.forEach((k, d) -> {
            int[] dims;
            try {
                dims = d.getDimensions();
            } catch (RuntimeException e) {
                throw new WeightImportException("Keras weight file " + file + ": cannot read the shape of '" + k + "': " + e, e);
            }
            long[] l = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                l[i] = dims[i];
            }
            out.put(k, l);
        });
        return out;
    }

    @Override
    public float[] read(String name) {
        Dataset d = datasets.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        Object flat;
        try {
            flat = d.getDataFlat();
        } catch (RuntimeException e) {
            throw new WeightImportException("Keras weight file " + file + ": cannot read dataset '" + d.getPath() + "': " + e, e);
        }
        if (flat instanceof float[] f) {
            return f;
        }
        if (flat instanceof double[] dd) {
            float[] f = new float[dd.length];
            for (int i = 0; i < dd.length; i++) {
                f[i] = (float) dd[i];
            }
            return f;
        }
        throw bad("dataset '" + d.getPath() + "' holds " + d.getJavaType() + ", not floating-point weights");
    }

    @Override
    public void close() {
        hdf.close();
    }
}
