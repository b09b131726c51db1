package dev.graft.cli.internal;

import java.util.List;
import java.util.Map;

/**
 * Everything one run's report shows: one section per trained model (strategy), the environment,
 * and a comparison table. {@code evaluatedOn} names the set the figures come from (test or validation).
 */
public record RunReport(String title, String task, String evaluatedOn, Map<String, String> environment, List<String> labels,
        List<Section> sections, List<String> notes) {
    public RunReport {
        environment = Map.copyOf(environment);
        labels = List.copyOf(labels);
        sections = List.copyOf(sections);
        notes = List.copyOf(notes);
    }

    /** One trained model: its plan, curves, timings and test results. */
    public record Section(String name, String plan, List<EpochRow> epochs, int[][] confusion,
            Map<String, Double> timesSeconds, double testAccuracy, double macroF1, double trainSeconds,
            long trainableParameters, String stopReason) {
        public Section {
            epochs = List.copyOf(epochs);
            timesSeconds = Map.copyOf(timesSeconds);
        }
    }

    /** Per-epoch figures. */
    public record EpochRow(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
            double validationAccuracy, double seconds) {
    }
}
