package dev.graft.core.baseline;

import dev.graft.core.internal.baseline.SoftmaxRegression;
import dev.graft.core.internal.baseline.SparseRows;
import dev.graft.core.internal.baseline.TfIdf;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A fitted {@link TextBaseline}: predicts labels and class probabilities of new texts. */
public final class BaselineModel {
    private final TextBaseline.Options options;
    private final List<String> labels;
    private final TfIdf tfidf;
    private final SoftmaxRegression.Fit fit;
    private final double c;
    private final Map<Double, Double> cvAccuracy;
    private final int folds;
    private final double seconds;

    BaselineModel(TextBaseline.Options options, List<String> labels, TfIdf tfidf, SoftmaxRegression.Fit fit, double c,
            Map<Double, Double> cvAccuracy, int folds, double seconds) {
        this.options = options;
        this.labels = List.copyOf(labels);
        this.tfidf = tfidf;
        this.fit = fit;
        this.c = c;
        this.cvAccuracy = Map.copyOf(cvAccuracy);
        this.folds = folds;
        this.seconds = seconds;
    }

    /** The labels, sorted; the order of {@link #probabilities}. */
    public List<String> labels() {
        return labels;
    }

    /** Class probabilities of {@code text}, in {@link #labels()} order. */
    public double[] probabilities(String text) {
        SparseRows x = tfidf.transform(List.of(text));
        return SoftmaxRegression.probabilities(fit, x.column(), x.values());
    }

    /** The most probable label of {@code text}. */
    public String predict(String text) {
        return labels.get(TextBaseline.argmax(probabilities(text)));
    }

    /** The most probable label of each text. */
    public List<String> predict(List<String> texts) {
        List<String> out = new ArrayList<>(texts.size());
        texts.forEach(t -> out.add(predict(t)));
        return out;
    }

    /** The chosen inverse L2 strength. */
    public double c() {
        return c;
    }

    /** Mean cross-validated accuracy of each C tried (empty when no cross-validation ran). */
    public Map<Double, Double> crossValidationAccuracy() {
        return cvAccuracy;
    }

    /** Terms in the vocabulary (the feature count). */
    public int vocabularySize() {
        return tfidf.vocabulary().size();
    }

    /** L-BFGS iterations of the final fit. */
    public int iterations() {
        return fit.iterations();
    }

    /** Largest gradient entry of the mean objective at the solution. */
    public double gradientNorm() {
        return fit.gradientNorm();
    }

    /** Whether the final fit reached the gradient tolerance. */
    public boolean converged() {
        return fit.converged();
    }

    /** Wall time of the whole fit, cross-validation included. */
    public double fitSeconds() {
        return seconds;
    }

    /** One line saying what was fitted. */
    public String describe() {
        return String.format(Locale.ROOT, "TF-IDF word %d-%d-grams (sublinear tf, min df %d, %,d terms) + multinomial logistic "
                + "regression (L2, C=%s %s; L-BFGS %s in %d iterations, max |gradient| %.1e)", options.minN(), options.maxN(),
                options.minDf(), vocabularySize(), fmt(c), folds == 0 ? "(no cross-validation: too few examples per class)"
                        : "by " + folds + "-fold CV over " + options.cGrid(), converged() ? "converged" : "stopped", iterations(),
                gradientNorm());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
