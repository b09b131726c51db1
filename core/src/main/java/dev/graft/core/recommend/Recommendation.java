package dev.graft.core.recommend;

import dev.graft.core.config.ComponentRef;
import java.util.List;
import java.util.Map;

/**
 * Backbones ranked by LogME on the user's data, and the strategy suggested for the best one; with a
 * fine-tuning probe (see {@link FineTuningProbe}), the backbone to fine-tune is the probe's first.
 *
 * @param ranked           candidates, best first
 * @param examples         examples scored
 * @param classes          distinct labels
 * @param minPerClass      examples of the rarest class
 * @param strategy         suggested strategy id
 * @param strategyOptions  suggested options for it (e.g. the hybrid cut point)
 * @param explanation      the reasoning, in words
 * @param probe            the fine-tuning probe's scores, best first (empty when no probe ran)
 */
public record Recommendation(List<Candidate> ranked, int examples, int classes, int minPerClass, String strategy,
        Map<String, String> strategyOptions, String explanation, List<FineTuningProbe.Score> probe) {
    public Recommendation {
        ranked = List.copyOf(ranked);
        strategyOptions = Map.copyOf(strategyOptions);
        probe = List.copyOf(probe);
    }

    /** Without a probe. */
    public Recommendation(List<Candidate> ranked, int examples, int classes, int minPerClass, String strategy,
            Map<String, String> strategyOptions, String explanation) {
        this(ranked, examples, classes, minPerClass, strategy, strategyOptions, explanation, List.of());
    }

    /**
     * The candidate the suggestion is for: the probe's first when a probe ran and the suggestion is
     * fine-tuning, otherwise LogME's first.
     */
    public Candidate best() {
        if (!probe.isEmpty() && strategy.equals("fine-tuning")) {
            return ranked.stream().filter(c -> c.backbone().equals(probe.get(0).backbone())).findFirst().orElse(ranked.get(0));
        }
        return ranked.get(0);
    }

    /**
     * One backbone's score.
     *
     * @param backbone      name and options
     * @param featureDim    width of its features
     * @param logMe         LogME evidence per example (mean over classes) of its features and the labels
     * @param chanceMean    mean LogME of the same features with the labels randomly permuted (chance level)
     * @param chanceStd     standard deviation of that chance level over the permutations
     * @param randomFeatures LogME of label-independent Gaussian features of the same shape, for reference
     * @param fits          whether {@code logMe} is clearly above chance (see {@link Recommender#fits})
     * @param blocks        the backbone's block names bottom to top (its cut points)
     * @param cachedExamples examples whose features came from the feature cache
     * @param seconds       wall time to get the features and score them
     */
    public record Candidate(ComponentRef backbone, int featureDim, double logMe, double chanceMean, double chanceStd,
            double randomFeatures, boolean fits, List<String> blocks, int cachedExamples, double seconds) {
        public Candidate {
            blocks = List.copyOf(blocks);
        }

        /** How many chance-level standard deviations the score lies above chance. */
        public double zScore() {
            return (logMe - chanceMean) / Math.max(chanceStd, 1e-12);
        }
    }
}
