package dev.graft.cli.internal;

import dev.graft.core.baseline.LinearProbe;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two ways of combining the features of two encoders for one classifier, used by the benchmark's
 * {@code tuned-probe:with=...} rows: {@link #concat} (one solved head on both feature vectors side
 * by side) and {@link #meanProbabilities} (a solved head on each, their class probabilities averaged).
 */
final class Ensemble {
    private Ensemble() {
    }

    /**
     * Each key of {@code a} with its row of {@code a} followed by its row of {@code b}; every key of
     * {@code a} must have a row in {@code b}.
     */
    static <K> Map<K, float[]> concat(Map<K, float[]> a, Map<K, float[]> b) {
        Map<K, float[]> out = new IdentityHashMap<>();
        a.forEach((k, x) -> {
            float[] y = b.get(k);
            if (y == null) {
                throw new IllegalArgumentException("no second feature row for " + k);
            }
            float[] v = new float[x.length + y.length];
            System.arraycopy(x, 0, v, 0, x.length);
            System.arraycopy(y, 0, v, x.length, y.length);
            out.put(k, v);
        });
        return out;
    }

    /**
     * The class probabilities of {@code p} on {@code x} and {@code q} on {@code y}, averaged with
     * weight {@code w} on {@code p} ({@code w * p + (1 - w) * q}), in the probes' label order.
     */
    static double[] meanProbabilities(LinearProbe p, float[] x, LinearProbe q, float[] y, double w) {
        if (!p.labels().equals(q.labels())) {
            throw new IllegalArgumentException("the two probes have different labels: " + p.labels() + " and " + q.labels());
        }
        if (!(w >= 0 && w <= 1)) {
            throw new IllegalArgumentException("weight must be in [0, 1], got " + w);
        }
        double[] a = p.probabilities(x);
        double[] b = q.probabilities(y);
        double[] out = new double[a.length];
        for (int c = 0; c < a.length; c++) {
            out[c] = w * a[c] + (1 - w) * b[c];
        }
        return out;
    }

    /** The label of the largest entry of {@code probabilities} (the first on ties). */
    static String argmax(List<String> labels, double[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return labels.get(best);
    }
}
