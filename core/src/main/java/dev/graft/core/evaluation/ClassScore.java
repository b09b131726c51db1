package dev.graft.core.evaluation;

/**
 * The figures of one class (or one label of a multi-label task).
 *
 * @param label     the class name
 * @param precision true positives over predicted positives; NaN when the class was never predicted
 * @param recall    true positives over actual positives; NaN when the class never occurs in the truth
 * @param f1        {@code 2TP / (2TP + FP + FN)}, the harmonic mean of precision and recall with an undefined
 *                  one counted as 0; NaN only when the class occurs neither in the truth nor in the predictions
 * @param support   how many examples truly have the class
 */
public record ClassScore(String label, double precision, double recall, double f1, int support) {

    static ClassScore of(String label, long tp, long fp, long fn) {
        double precision = tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
        double f1 = tp + fp + fn == 0 ? Double.NaN : 2.0 * tp / (2.0 * tp + fp + fn);
        return new ClassScore(label, precision, recall, f1, Math.toIntExact(tp + fn));
    }

    /** Whether the class occurs in the truth or in the predictions (the classes a macro average counts). */
    public boolean occurs() {
        return !Double.isNaN(f1);
    }
}
