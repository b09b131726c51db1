package dev.graft.core.evaluation;

import java.util.List;

/**
 * Single-label classification scores.
 *
 * @param examples  how many examples were scored
 * @param labels    the class names, in the model's order (the order of {@code confusion} and {@code perClass})
 * @param accuracy  the fraction predicted right
 * @param macroF1   the unweighted mean of the per-class F1 over the classes that occur in the truth or the
 *                  predictions (scikit-learn's {@code f1_score(average='macro')})
 * @param logLoss   the mean of {@code -ln p(true class)}, with p clipped to at least 1e-15; NaN when no
 *                  probabilities were given
 * @param perClass  precision, recall, F1 and support of each class, in label order
 * @param confusion {@code confusion[true][predicted]} counts
 */
public record ClassificationScores(int examples, List<String> labels, double accuracy, double macroF1, double logLoss,
        List<ClassScore> perClass, int[][] confusion) {

    public ClassificationScores {
        labels = List.copyOf(labels);
        perClass = List.copyOf(perClass);
        confusion = copy(confusion);
    }

    /** A copy of the confusion matrix, {@code [true][predicted]}. */
    @Override
    public int[][] confusion() {
        return copy(confusion);
    }

    /** The number of examples of class {@code trueIndex} predicted as {@code predictedIndex}. */
    public int count(int trueIndex, int predictedIndex) {
        return confusion[trueIndex][predictedIndex];
    }

    /** The figures of one class by name. */
    public ClassScore of(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("no class '" + label + "'; classes: " + labels);
        }
        return perClass.get(i);
    }

    private static int[][] copy(int[][] m) {
        int[][] c = new int[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }
}
