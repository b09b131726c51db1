package dev.graft.vision.internal.weights;

import dev.graft.vision.weights.ImportReport;
import dev.graft.vision.weights.WeightImportException;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Keras HDF5 weight file (keras.applications' {@code *_weights_tf_dim_ordering_tf_kernels*.h5},
 * {@code model.save_weights(...h5)}, or a whole-model {@code .h5} whose weights sit under
 * {@code model_weights}). The root lists {@code layer_names}; each layer group lists
 * {@code weight_names} such as {@code conv1_conv/kernel:0}, stored at
 * {@code <layer>/<weight name>}. Tensors are exposed as {@code <layer>/<weight>} ({@code conv1_conv/kernel}).
 *
 * <p>Hostile files: a file up to 2 GB is read through a read-only memory map, so an address or length
 * that a corrupt header puts past the end fails at once (jhdf's file-channel reader re-reads the same
 * bytes in a loop until it has filled a buffer of the corrupt length, which kept it busy for minutes).
 * The structure is parsed in a worker thread under a deadline ({@value #DEADLINE_PROPERTY}, default
 * {@value #DEFAULT_DEADLINE_SECONDS} s); past it the file is refused with an error naming it.
 */
public final class KerasH5Source implements TensorSource {
    /** System property: seconds the HDF5 structure may take to parse. */
    public static final String DEADLINE_PROPERTY = "graft.hdf5.parseDeadlineSeconds";
    static final long DEFAULT_DEADLINE_SECONDS = 60;
    private final Path file;
    private final HdfFile hdf;
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();

    public KerasH5Source(Path file) {
        this(file, Duration.ofSeconds(Long.getLong(DEADLINE_PROPERTY, DEFAULT_DEADLINE_SECONDS)));
    }

    /** Opens {@code file}, refusing it if its structure takes longer than {@code deadline} to parse. */
    public KerasH5Source(Path file, Duration deadline) {
        this.file = file;
        FutureTask<HdfFile> parse = new FutureTask<>(this::openAndIndex);
        Thread worker = new Thread(parse, "hdf5-parse " + file.getFileName());
        worker.setDaemon(true);
        long t0 = System.nanoTime();
        worker.start();
        try {
            HdfFile parsed = parse.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            if (System.nanoTime() - t0 > deadline.toNanos()) {
                // finished, but after the deadline (get() returns a result that is already there without waiting)
                parsed.close();
                throw notParsedInTime(file, deadline);
            }
            hdf = parsed;
        } catch (TimeoutException e) {
            parse.cancel(true);
            throw notParsedInTime(file, deadline);
        } catch (InterruptedException e) {
            parse.cancel(true);
            Thread.currentThread().interrupt();
            throw new WeightImportException("interrupted while reading Keras weight file " + file, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof WeightImportException w) {
                throw w;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new WeightImportException("Keras weight file " + file + " is malformed: " + c, c);
        }
    }

    private static WeightImportException notParsedInTime(Path file, Duration deadline) {
        return new WeightImportException("Keras weight file " + file + ": its HDF5 structure was not parsed within "
                + deadline.toSeconds() + " s; the file is probably corrupt (set -D" + DEADLINE_PROPERTY
                + "=SECONDS to allow more)", (ImportReport) null);
    }

    private HdfFile openAndIndex() {
        HdfFile h;
        try {
            h = open(file);
        } catch (IOException | RuntimeException e) {
            throw new WeightImportException("cannot read HDF5 file " + file + ": " + e.getMessage(), e);
        }
        try {
            index(h);
            return h;
        } catch (RuntimeException | Error e) {
            h.close();
            throw e;
        }
    }

    private static HdfFile open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= Integer.MAX_VALUE) {
                // the mapping stays valid after the channel closes
                return HdfFile.fromByteBuffer(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
            }
        }
        return new HdfFile(file);
    }

    private void index(HdfFile hdf) {
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
