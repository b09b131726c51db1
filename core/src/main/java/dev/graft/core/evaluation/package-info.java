/**
 * Scores of predictions against true labels, the same code {@code graft evaluate} runs:
 * {@link dev.graft.core.evaluation.Evaluation} computes {@link dev.graft.core.evaluation.ClassificationScores}
 * (accuracy, macro F1, per-class precision/recall/F1, confusion matrix, log loss),
 * {@link dev.graft.core.evaluation.MultiLabelScores} (subset accuracy, Hamming loss, micro and macro F1) and
 * {@link dev.graft.core.evaluation.RegressionScores} (MSE, MAE, R²).
 */
package dev.graft.core.evaluation;
