package dev.graft.core.evaluation;

import java.util.List;

/**
 * Regression scores, over all targets and per target.
 *
 * @param examples  how many examples were scored
 * @param mse       the mean squared error over every (example, target) value
 * @param mae       the mean absolute error over every (example, target) value
 * @param r2        the coefficient of determination, averaged over targets (scikit-learn's
 *                  {@code r2_score(multioutput='uniform_average')})
 * @param perTarget the same figures for each target
 */
public record RegressionScores(int examples, double mse, double mae, double r2, List<TargetScore> perTarget) {

    public RegressionScores {
        perTarget = List.copyOf(perTarget);
    }

    /**
     * The figures of one regression target.
     *
     * @param r2 {@code 1 - SS_res / SS_tot}; when the truth is constant (SS_tot = 0): 1 for a perfect
     *           prediction, else 0
     */
    public record TargetScore(String name, double mse, double mae, double r2) {
    }
}
