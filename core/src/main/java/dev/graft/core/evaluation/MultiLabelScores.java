package dev.graft.core.evaluation;

import java.util.List;

/**
 * Multi-label scores; a label is predicted when its probability is at least the threshold (0.5 unless given).
 *
 * @param examples       how many examples were scored
 * @param labels         the label names, in the model's order
 * @param subsetAccuracy the fraction of examples whose predicted label set equals the true set exactly
 * @param hammingLoss    the fraction of (example, label) decisions that are wrong
 * @param microF1        F1 of the true and false positives and negatives pooled over all labels
 * @param macroF1        the unweighted mean of the per-label F1 over the labels that occur in the truth or the
 *                       predictions
 * @param perLabel       precision, recall, F1 and support of each label, in label order
 */
public record MultiLabelScores(int examples, List<String> labels, double subsetAccuracy, double hammingLoss,
        double microF1, double macroF1, List<ClassScore> perLabel) {

    public MultiLabelScores {
        labels = List.copyOf(labels);
        perLabel = List.copyOf(perLabel);
    }
}
