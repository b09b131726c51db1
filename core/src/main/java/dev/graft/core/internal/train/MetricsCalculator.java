package dev.graft.core.internal.train;

import dev.graft.core.evaluation.ClassScore;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.evaluation.MultiLabelScores;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.Metrics;
import java.util.List;

/**
 * Loss, accuracy, top-k, macro F1 and the confusion matrix, computed in Java from model outputs.
 * The trainer evaluates from logits ({@link #fromLogits}), so its validation loss is the training
 * loss's formula (softmax cross-entropy or binary cross-entropy on logits, unclamped) and the two
 * are the same quantity. Macro F1, per-class precision and recall and the confusion matrix come
 * from {@link Evaluation}, the code behind {@code graft evaluate}, so training and evaluation report
 * the same figures.
 */
public final class MetricsCalculator {
    private MetricsCalculator() {
    }

    /**
     * @param outputs probabilities (classification, multi-label) or values (regression), [N][outputs]
     */
    public static Metrics compute(LabelCodec codec, List<Example> examples, float[][] outputs, int k) {
        int n = examples.size();
        int c = codec.outputs();
        List<String> labels = codec.labels();
        if (codec.task() == Task.REGRESSION) {
            double se = 0;
            double ae = 0;
            for (int i = 0; i < n; i++) {
                float[] t = codec.targets(examples.get(i));
                for (int j = 0; j < c; j++) {
                    double d = outputs[i][j] - t[j];
                    se += d * d;
                    ae += Math.abs(d);
                }
            }
            double cnt = Math.max(1, (double) n * c);
            return new Metrics(n, se / cnt, Double.NaN, k, Double.NaN, Double.NaN, ae / cnt, labels, new int[0][0],
                    new double[0], new double[0]);
        }
        if (codec.task() == Task.MULTI_LABEL) {
            double loss = 0;
            long correct = 0;
            boolean[][] truth = new boolean[n][c];
            double[][] probabilities = new double[n][c];
            for (int i = 0; i < n; i++) {
                float[] t = codec.targets(examples.get(i));
                for (int j = 0; j < c; j++) {
                    double p = clamp(outputs[i][j]);
                    loss -= t[j] * Math.log(p) + (1 - t[j]) * Math.log(1 - p);
                    truth[i][j] = t[j] > 0.5f;
                    probabilities[i][j] = outputs[i][j];
                    correct += (outputs[i][j] >= Evaluation.THRESHOLD) == truth[i][j] ? 1 : 0;
                }
            }
            double cnt = Math.max(1, (double) n * c);
            MultiLabelScores s = Evaluation.multiLabel(labels, truth, probabilities, Evaluation.THRESHOLD);
            return new Metrics(n, loss / cnt, correct / cnt, k, Double.NaN, s.macroF1(), Double.NaN,
                    labels, new int[0][0], precision(s.perLabel()), recall(s.perLabel()));
        }
        int[] truth = new int[n];
        int[] predicted = new int[n];
        double loss = 0;
        int correct = 0;
        int topk = 0;
        for (int i = 0; i < n; i++) {
            truth[i] = codec.classIndex(examples.get(i));
            float[] p = outputs[i];
            loss -= Math.log(clamp(p[truth[i]]));
            int arg = 0;
            int rank = 0;
            for (int j = 0; j < c; j++) {
                if (p[j] > p[arg]) {
                    arg = j;
                }
                // ties count against the true class (pessimistic), lower index wins among others
                if (j != truth[i] && (p[j] > p[truth[i]] || (p[j] == p[truth[i]] && j < truth[i]))) {
                    rank++;
                }
            }
            predicted[i] = arg;
            correct += arg == truth[i] ? 1 : 0;
            topk += rank < k ? 1 : 0;
        }
        // macro F1, per-class precision and recall and the confusion matrix: the public evaluation's, one implementation
        ClassificationScores s = Evaluation.classification(labels, truth, predicted);
        double denom = Math.max(1, n);
        return new Metrics(n, loss / denom, correct / denom, k, topk / denom, s.macroF1(), Double.NaN, labels, s.confusion(),
                precision(s.perClass()), recall(s.perClass()));
    }

    /**
     * Metrics from logits: the loss exactly as the network's training loss computes it (softmax
     * cross-entropy {@code logsumexp(z) - z[truth]}, binary cross-entropy
     * {@code max(z, 0) - z t + log(1 + exp(-|z|))} averaged over labels, mean squared error), with no
     * clamping; the other figures from the probabilities (softmax or sigmoid of the logits).
     *
     * @param logits [N][outputs]; for regression the predicted values
     */
    public static Metrics fromLogits(LabelCodec codec, List<Example> examples, float[][] logits, int k) {
        if (codec.task() == Task.REGRESSION) {
            return compute(codec, examples, logits, k);
        }
        int n = examples.size();
        float[][] probs = new float[n][];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            float[] z = logits[i];
            float[] p = new float[z.length];
            if (codec.task() == Task.CLASSIFICATION) {
                double max = Double.NEGATIVE_INFINITY;
                for (float v : z) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (float v : z) {
                    sum += Math.exp(v - max);
                }
                double lse = max + Math.log(sum);
                for (int j = 0; j < z.length; j++) {
                    p[j] = (float) Math.exp(z[j] - lse);
                }
                loss += lse - z[codec.classIndex(examples.get(i))];
            } else {
                float[] t = codec.targets(examples.get(i));
                for (int j = 0; j < z.length; j++) {
                    double x = z[j];
                    p[j] = (float) (1 / (1 + Math.exp(-x)));
                    loss += Math.max(x, 0) - x * t[j] + Math.log1p(Math.exp(-Math.abs(x)));
                }
            }
            probs[i] = p;
        }
        Metrics m = compute(codec, examples, probs, k);
        double denom = Math.max(1, codec.task() == Task.CLASSIFICATION ? n : (double) n * codec.outputs());
        return new Metrics(m.examples(), loss / denom, m.accuracy(), m.k(), m.topKAccuracy(), m.macroF1(),
                m.meanAbsoluteError(), m.labels(), m.confusion(), m.precision(), m.recall());
    }

    private static double[] precision(List<ClassScore> scores) {
        return scores.stream().mapToDouble(ClassScore::precision).toArray();
    }

    private static double[] recall(List<ClassScore> scores) {
        return scores.stream().mapToDouble(ClassScore::recall).toArray();
    }

    private static double clamp(double p) {
        return Math.min(1 - 1e-7, Math.max(1e-7, p));
    }
}
