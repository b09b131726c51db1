package dev.graft.core.internal.heads;

import dev.graft.core.baseline.LinearProbe;
import dev.graft.core.baseline.TextBaseline;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.RunExtension;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A linear classification head on frozen features solved instead of trained by gradient steps:
 * the features' columns standardised on the training rows, an L2 multinomial logistic regression
 * fitted by L-BFGS with C chosen by stratified cross-validation on the training rows (exactly
 * {@link LinearProbe}), and the solution written into the head's kernel and bias with the
 * standardisation folded in, so the saved model is an ordinary dense head that every engine runs.
 * A strategy asks for it by returning this extension in its plan; the run solves the head where it
 * would otherwise train it on frozen backbone features.
 */
public final class SolvedLinearHead implements RunExtension {
    private final boolean explicit;
    private String summary = "";
    private LinearProbe last;
    private int folds;

    /**
     * @param explicit the user asked for it: a task or head it cannot solve is an error; otherwise (a
     *                 default) such a run falls back to training the head by gradient steps
     */
    public SolvedLinearHead(boolean explicit) {
        this.explicit = explicit;
    }

    /** Whether the user asked for it (rather than getting it as a default). */
    public boolean explicit() {
        return explicit;
    }

    /** Whether it applies to {@code net}'s head for {@code task} (a single-label classification by one dense layer). */
    public static boolean applies(Network net, String headScope, Task task) {
        try {
            headParameters(net, headScope, task, "");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "head solved: standardised features, L2 multinomial logistic regression by L-BFGS, C by stratified CV"
                + (summary.isEmpty() ? "" : " (" + summary + ")");
    }

    /** What the last solve chose, for reports. */
    public String summary() {
        return summary;
    }

    /** The last solve's probe (chosen C and its cross-validated accuracies), null before the first. */
    public LinearProbe probe() {
        return last;
    }

    /** Folds of the last solve's cross-validation (below 2: none). */
    public int folds() {
        return folds;
    }

    /**
     * The head's two parameters (kernel [D, K], bias [K]) in {@code headNet}, or a clear error when the
     * head is not one dense layer or the task is not single-label classification.
     *
     * @param headScope prefix of the head's parameter names (without the dot)
     */
    public static String[] headParameters(Network headNet, String headScope, Task task, String strategy) {
        if (task != Task.CLASSIFICATION) {
            throw new IllegalArgumentException("strategy '" + strategy + "' option head=solve fits a logistic regression and "
                    + "needs a single-label classification task, got " + task + "; use head=sgd");
        }
        String kernel = null;
        String bias = null;
        int trainable = 0;
        List<String> names = new ArrayList<>();
        for (ParamSpec p : headNet.params().values()) {
            if (!p.name().startsWith(headScope + ".")) {
                continue;
            }
            names.add(p.name());
            if (!p.trainable()) {
                continue;
            }
            trainable++;
            if (p.shape().rank() == 2) {
                kernel = p.name();
            } else if (p.shape().rank() == 1) {
                bias = p.name();
            }
        }
        if (trainable != 2 || kernel == null || bias == null) {
            throw new IllegalArgumentException("strategy '" + strategy + "' option head=solve needs a linear head (one dense "
                    + "layer: kernel and bias), the head has parameters " + names + "; use head=sgd or "
                    + "the 'linear' head without hidden layers");
        }
        return new String[] {kernel, bias};
    }

    /**
     * Solves the head on {@code features} (rows of the training examples, in order) and returns the
     * kernel and bias values for the names from {@link #headParameters}.
     *
     * @param labels the head's output labels in order (sorted, as the label codec orders them)
     */
    public Map<String, HostTensor> solve(float[][] features, List<Example> train, List<String> labels, String[] names,
            long seed) {
        List<String> y = new ArrayList<>(train.size());
        train.forEach(e -> y.add(e.label()));
        LinearProbe p = LinearProbe.fit(features, y, TextBaseline.Options.defaults().withSeed(seed));
        if (!p.labels().equals(labels)) {
            throw new IllegalStateException("solved head's labels " + p.labels() + " differ from the head's outputs " + labels);
        }
        last = p;
        int[] per = new int[labels.size()];
        y.forEach(v -> per[labels.indexOf(v)]++);
        folds = Math.min(TextBaseline.Options.defaults().folds(), java.util.Arrays.stream(per).min().orElse(0));
        summary = String.format(Locale.ROOT, "C=%s chosen from CV accuracy %s, %s", p.c(), p.crossValidationAccuracy(),
                p.converged() ? "converged" : "NOT converged");
        int d = features[0].length;
        Map<String, HostTensor> out = new LinkedHashMap<>();
        out.put(names[0], HostTensor.of(p.foldedKernel(), d, labels.size()));
        out.put(names[1], HostTensor.of(p.foldedBias(), labels.size()));
        return out;
    }
}
