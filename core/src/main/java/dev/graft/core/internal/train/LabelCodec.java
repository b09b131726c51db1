package dev.graft.core.internal.train;

import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Turns label strings into label tensors. Classification: one label per example, classes sorted.
 * Multi-label: labels separated by {@code |}. Regression: one or more numbers separated by {@code |}.
 */
public final class LabelCodec implements dev.graft.core.internal.assembly.LabelSpec {
    public static final String SEPARATOR = "|";
    private final Task task;
    private final List<String> labels;

    public LabelCodec(Task task, List<String> labels) {
        this.task = task;
        this.labels = List.copyOf(labels);
    }

    /** Learns the label set from training examples; every example must have a label. */
    public static LabelCodec fit(Task task, List<Example> train) {
        TreeSet<String> set = new TreeSet<>();
        int targets = -1;
        for (Example e : train) {
            String l = requireLabel(e);
            switch (task) {
                case CLASSIFICATION -> set.add(l);
                case MULTI_LABEL -> set.addAll(split(l));
                case REGRESSION -> {
                    int n = parseTargets(e).length;
                    if (targets >= 0 && n != targets) {
                        throw new IllegalArgumentException(e.source() + ": " + n + " regression targets, earlier examples have "
                                + targets);
                    }
                    targets = n;
                }
            }
        }
        if (task == Task.REGRESSION) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < Math.max(0, targets); i++) {
                names.add("target" + i);
            }
            return new LabelCodec(task, names);
        }
        if (task == Task.CLASSIFICATION && set.size() < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes in the training data, found "
                    + set);
        }
        return new LabelCodec(task, new ArrayList<>(set));
    }

    public Task task() {
        return task;
    }

    public List<String> labels() {
        return labels;
    }

    public int outputs() {
        return labels.size();
    }

    /** Fails naming the example whose label the training data never had. */
    public void requireKnown(List<Example> examples, String where) {
        if (task == Task.REGRESSION) {
            for (Example e : examples) {
                if (parseTargets(e).length != labels.size()) {
                    throw new IllegalArgumentException(e.source() + ": " + where + " example has "
                            + parseTargets(e).length + " regression targets, training data has " + labels.size());
                }
            }
            return;
        }
        for (Example e : examples) {
            for (String l : task == Task.MULTI_LABEL ? split(requireLabel(e)) : List.of(requireLabel(e))) {
                if (!labels.contains(l)) {
                    throw new IllegalArgumentException(e.source() + ": label '" + l + "' appears in the " + where
                            + " data but never in the training data (training labels: " + labels + ")");
                }
            }
        }
    }

    /** The class index of a classification example. */
    public int classIndex(Example e) {
        int i = labels.indexOf(requireLabel(e));
        if (i < 0) {
            throw new IllegalArgumentException(e.source() + ": unknown label '" + e.label() + "'");
        }
        return i;
    }

    /** Label tensor for the examples: int [N] (classification) or float [N, outputs]. */
    public HostTensor encode(List<Example> batch) {
        int n = batch.size();
        if (task == Task.CLASSIFICATION) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = classIndex(batch.get(i));
            }
            return HostTensor.ofInts(v, n);
        }
        float[] v = new float[n * outputs()];
        for (int i = 0; i < n; i++) {
            float[] row = targets(batch.get(i));
            System.arraycopy(row, 0, v, i * outputs(), outputs());
        }
        return HostTensor.of(v, n, outputs());
    }

    /** Target row of an example: multi-hot for multi-label, the values for regression. */
    public float[] targets(Example e) {
        if (task == Task.REGRESSION) {
            double[] d = parseTargets(e);
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        float[] f = new float[outputs()];
        if (task == Task.CLASSIFICATION) {
            f[classIndex(e)] = 1;
            return f;
        }
        for (String l : split(requireLabel(e))) {
            int i = labels.indexOf(l);
            if (i < 0) {
                throw new IllegalArgumentException(e.source() + ": unknown label '" + l + "'");
            }
            f[i] = 1;
        }
        return f;
    }

    /** The label tensor's dtype and shape with an unknown batch. */
    @Override
    public DType dtype() {
        return task == Task.CLASSIFICATION ? DType.INT32 : DType.FLOAT32;
    }

    @Override
    public Shape shape() {
        return task == Task.CLASSIFICATION ? Shape.of(-1) : Shape.of(-1, outputs());
    }

    private static String requireLabel(Example e) {
        if (e.label() == null || e.label().isBlank()) {
            throw new IllegalArgumentException(e.source() + ": example has no label");
        }
        return e.label().trim();
    }

    static List<String> split(String l) {
        return Arrays.stream(l.split("\\|")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static double[] parseTargets(Example e) {
        List<String> parts = split(requireLabel(e));
        double[] d = new double[parts.size()];
        for (int i = 0; i < d.length; i++) {
            try {
                d[i] = Double.parseDouble(parts.get(i));
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException(e.source() + ": regression target '" + parts.get(i) + "' is not a number");
            }
            if (!Double.isFinite(d[i])) {
                throw new IllegalArgumentException(e.source() + ": regression target '" + parts.get(i) + "' is not finite");
            }
        }
        return d;
    }
}
