package dev.graft.core.internal.ensemble;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Soft voting (scikit-learn's {@code VotingClassifier(voting="soft", weights=...)}): the class probabilities of
 * several classifiers averaged with weights normalised to sum 1, aligned by label name, the label of largest
 * average predicted (the first in label order on a tie, as {@code argmax} does).
 */
public final class SoftVote {
    private SoftVote() {
    }

    /**
     * Checks that every member predicts exactly {@code labels} (in any order).
     *
     * @param names how messages name each member (its folder)
     */
    public static void requireSameLabels(List<String> labels, List<List<String>> memberLabels, List<String> names) {
        for (int m = 0; m < memberLabels.size(); m++) {
            TreeSet<String> missing = new TreeSet<>(labels);
            missing.removeAll(memberLabels.get(m));
            TreeSet<String> extra = new TreeSet<>(memberLabels.get(m));
            extra.removeAll(labels);
            if (!missing.isEmpty() || !extra.isEmpty() || memberLabels.get(m).size() != labels.size()) {
                throw new IllegalArgumentException("member " + names.get(m) + " predicts labels " + memberLabels.get(m) + ", not those of "
                        + names.get(0) + " " + labels + (missing.isEmpty() ? "" : "; it lacks " + missing)
                        + (extra.isEmpty() ? "" : "; it adds " + extra) + ". Soft voting averages the probabilities of the same "
                        + "labels: train every member on the same label set");
            }
        }
    }

    /**
     * The weighted average of the members' probabilities of one example.
     *
     * @param scores  each member's probabilities by label name
     * @param weights one per member, finite, >= 0, not all 0
     * @return probabilities in {@code labels} order
     */
    public static double[] average(List<String> labels, List<Map<String, Double>> scores, double[] weights) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double[] out = new double[labels.size()];
        for (int m = 0; m < scores.size(); m++) {
            Map<String, Double> s = scores.get(m);
            for (int j = 0; j < out.length; j++) {
                out[j] += weights[m] / sum * s.get(labels.get(j));
            }
        }
        return out;
    }

    /** The index of the largest value (the first on a tie). */
    public static int argmax(double[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return best;
    }

    /** {@code p} as a map in {@code labels} order. */
    public static Map<String, Double> byLabel(List<String> labels, double[] p) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int j = 0; j < p.length; j++) {
            out.put(labels.get(j), p[j]);
        }
        return out;
    }
}
