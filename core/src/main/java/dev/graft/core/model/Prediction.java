package dev.graft.core.model;

import java.util.Map;

/**
 * One prediction.
 *
 * @param source the example's source
 * @param label  the predicted label (classification), labels at or above 0.5 joined by {@code |}
 *               (multi-label), or the values joined by {@code |} (regression)
 * @param scores label to probability, or target name to value (regression), in label order
 */
public record Prediction(String source, String label, Map<String, Double> scores) {
}
