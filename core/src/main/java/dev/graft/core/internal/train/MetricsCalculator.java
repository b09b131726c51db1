package dev.graft.core.internal.train;

import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.Metrics;
import java.util.List;

/**
 * Loss, accuracy, top-k, macro F1 and the confusion matrix, computed in Java from model outputs.
 * The trainer evaluates from logits ({@link #fromLogits}), so its validation loss is the training
 * loss's formula (softmax cross-entropy or binary cross-entropy on logits, unclamped) and the two
 * are the same quantity.
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
            long[] tp = new long[c];
            long[] fp = new long[c];
            long[] fn = new long[c];
            for (int i = 0; i < n; i++) {
                float[] t = codec.targets(examples.get(i));
                for (int j = 0; j < c; j++) {
                    double p = clamp(outputs[i][j]);
                    loss -= t[j] * Math.log(p) + (1 - t[j]) * Math.log(1 - p);
                    boolean pred = outputs[i][j] >= 0.5f;
                    boolean truth = t[j] > 0.5f;
                    correct += pred == truth ? 1 : 0;
                    tp[j] += pred && truth ? 1 : 0;
                    fp[j] += pred && !truth ? 1 : 0;
                    fn[j] += !pred && truth ? 1 : 0;
                }
            }
            double cnt = Math.max(1, (double) n * c);
            double[] prec = new double[c];
            double[] rec = new double[c];
            return new Metrics(n, loss / cnt, correct / cnt, k, Double.NaN, macroF1(tp, fp, fn, prec, rec), Double.NaN,
                    labels, new int[0][0], prec, rec);
        }
        int[][] confusion = new int[c][c];
        double loss = 0;
        int correct = 0;
        int topk = 0;
        for (int i = 0; i < n; i++) {
            int truth = codec.classIndex(examples.get(i));
            float[] p = outputs[i];
            loss -= Math.log(clamp(p[truth]));
            int arg = 0;
            int rank = 0;
            for (int j = 0; j < c; j++) {
                if (p[j] > p[arg]) {
                    arg = j;
                }
                // ties count against the true class (pessimistic), lower index wins among others
                if (j != truth && (p[j] > p[truth] || (p[j] == p[truth] && j < truth))) {
                    rank++;
                }
            }
            confusion[truth][arg]++;
            correct += arg == truth ? 1 : 0;
            topk += rank < k ? 1 : 0;
        }
        long[] tp = new long[c];
        long[] fp = new long[c];
        long[] fn = new long[c];
        for (int t = 0; t < c; t++) {
            for (int p = 0; p < c; p++) {
                if (t == p) {
                    tp[t] += confusion[t][p];
                } else {
                    fn[t] += confusion[t][p];
                    fp[p] += confusion[t][p];
                }
            }
        }
        double[] prec = new double[c];
        double[] rec = new double[c];
        double f1 = macroF1(tp, fp, fn, prec, rec);
        double denom = Math.max(1, n);
        return new Metrics(n, loss / denom, correct / denom, k, topk / denom, f1, Double.NaN, labels, confusion, prec, rec);
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

    /** Mean over classes of F1 (a class with no true and no predicted example scores 0 and counts). */
    static double macroF1(long[] tp, long[] fp, long[] fn, double[] precision, double[] recall) {
        double sum = 0;
        for (int j = 0; j < tp.length; j++) {
            precision[j] = tp[j] + fp[j] == 0 ? 0 : (double) tp[j] / (tp[j] + fp[j]);
            recall[j] = tp[j] + fn[j] == 0 ? 0 : (double) tp[j] / (tp[j] + fn[j]);
            double f = precision[j] + recall[j] == 0 ? 0 : 2 * precision[j] * recall[j] / (precision[j] + recall[j]);
            sum += f;
        }
        return tp.length == 0 ? 0 : sum / tp.length;
    }

    private static double clamp(double p) {
        return Math.min(1 - 1e-7, Math.max(1e-7, p));
    }
}
